package director

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// The kinds of sets, in their calls' scope: the active set, and the sets
// HeaderScenario names, have calls of their own.
const (
	scopeActive = "active"
	scopeNamed  = "named"
)

// compile is compileWith the Director's operations and stores.
func (d *Director) compile(ss []*scenarios.Scenario, kind string) (*set, error) {
	return compileWith(ss, d.opts.Operations, d.opts.Calls, d.opts.Counters, kind)
}

// compileWith validates ss (every problem of every scenario, joined) and
// builds a set, whose calls (when stateful) are store's, or in memory when
// store is nil. It writes nothing to the store. Later scenarios override
// earlier ones.
func compileWith(ss []*scenarios.Scenario, known scenarios.KnownOperations, store CallStore, counters CounterStore, kind string) (*set, error) {
	var errs []error
	for i, s := range ss {
		if s == nil {
			errs = append(errs, fmt.Errorf("scenario %d is nil", i+1))
			continue
		}
		if err := s.Validate(known); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	engine, err := scenarios.Compile(ss...)
	if err != nil {
		return nil, err
	}
	st := &set{
		scenarios: slices.Clone(ss),
		engine:    engine,
		accounts:  map[string]string{},
		phlos:     map[string]mockserver.Phlo{},
		nodes:     map[[2]string]mockserver.Node{},
	}
	for _, s := range ss {
		st.names = append(st.names, nameOf(s))
		st.hasRules = st.hasRules || len(s.Rules) > 0
	}
	st.label = strings.Join(st.names, "+")
	if counters != nil && st.hasRules {
		st.countScope = kind + ":" + rulesDigest(ss)
		st.counter = counters.Counter(st.countScope)
	}
	w := engine.World()
	compileCallbacks(st, w, ss)
	for _, a := range w.Accounts {
		st.accounts[a.AuthID] = a.AuthToken
	}
	type seed struct {
		Phlo, Node string
		Members    []multiparty.Member
	}
	var seeds []seed
	for _, p := range w.PHLOs {
		st.phlos[p.ID] = mockserver.Phlo{ID: p.ID, Name: p.Name, CreatedOn: p.CreatedOn}
		for _, n := range p.Nodes {
			st.nodes[[2]string{p.ID, n.ID}] = mockserver.Node{ID: n.ID, PhloID: p.ID, Type: "multi_party_call", Name: n.Name, CreatedOn: n.CreatedOn}
			members := make([]multiparty.Member, len(n.Members))
			for i, m := range n.Members {
				members[i] = multiparty.Member{Address: m.Address, Role: multiparty.Role(m.Role), State: multiparty.State(m.State)}
			}
			seeds = append(seeds, seed{p.ID, n.ID, members})
		}
	}
	if !engine.Stateful() {
		return st, nil
	}
	if store == nil {
		st.calls = multiparty.NewMemory(multiparty.Options{})
	} else {
		// The scope: the same world is the same calls, on every replica.
		b, _ := json.Marshal(seeds)
		sum := sha256.Sum256(b)
		st.calls = store.Calls(kind + ":" + hex.EncodeToString(sum[:8]))
	}
	// Every declared node gets its call, even an empty one, so the
	// control plane lists it before the first action.
	for _, sd := range seeds {
		if err := st.calls.Seed(sd.Phlo, sd.Node, sd.Members); err != nil {
			return nil, fmt.Errorf("world: %w", err)
		}
	}
	return st, nil
}

// rulesDigest names the rules of ss the same way on every replica that
// loaded the same content, wherever its files are: a digest of what the
// answers depend on, the scenarios' names, worlds and rules (fmt prints
// maps sorted, and the rules hold no pointer but Respond).
func rulesDigest(ss []*scenarios.Scenario) string {
	h := sha256.New()
	for _, s := range ss {
		fmt.Fprintf(h, "%q %t %+v\n", s.Name, s.Stateful, s.World)
		for _, r := range s.Rules {
			var respond scenarios.Response
			if r.Respond != nil {
				respond = *r.Respond
			}
			fmt.Fprintf(h, "%q %+v %t %+v %+v %d\n", r.Name, r.Match, r.Respond != nil, respond, r.Sequence, r.Times)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
