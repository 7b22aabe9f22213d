package director

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// HeaderScenario selects a scenario for one request: a built-in name or the
// name of a loaded scenario. The active set is not changed.
const HeaderScenario = "X-Phlomock-Scenario"

// The operations a stateful scenario sends to the call model. Their ids are
// fixed by the contract.
const (
	opUpdateCall   = "updateMultiPartyCall"
	opUpdateMember = "updateMember"
)

// ErrUnknownScenario is wrapped by the errors naming a scenario that is
// neither built in nor loaded.
var ErrUnknownScenario = scenarios.ErrUnknownScenario

// Options configure a Director. The zero value works: the default account,
// no PHLO beyond the scenarios', every operation id accepted.
type Options struct {
	// Accounts are accepted whatever the scenarios declare, and win for
	// an Auth ID a scenario declares too (serve's --auth-token is never
	// overridden by a scenario's token); the active scenarios' other
	// accounts are accepted as well. Nil: the default account
	// (mockserver.DefaultAuthID), after the scenarios' accounts.
	Accounts mockserver.Accounts
	// World declares PHLOs and nodes beyond the active scenarios' (which win
	// for the same id). Nil: only the scenarios'.
	World mockserver.World
	// Operations are the contract's operation ids, to refuse a scenario
	// that names another one. Nil: not checked. See OperationIDs.
	Operations scenarios.KnownOperations
	// Contract describes the contract's operations (see Operations), to
	// refuse a scenario file with a rule that can never match, as
	// `phlomock scenarios check` does (CheckFile). Nil: not checked.
	Contract []scenarios.Operation
	// Logger receives activations and resets. Nil: no logs.
	Logger *slog.Logger
	// Shared keeps the active set and the loaded scenarios where several
	// replicas share them (redisstore.StateStore): an activation, upload
	// or deletion on one is published, and every replica's Follow takes it
	// up. Requests still read this process's copy: a request costs the
	// store nothing. Nil: in this process only.
	Shared SharedState
	// Calls keeps the simulated calls of the stateful sets. Nil: in this
	// process (multiparty.NewMemory). A store shared by several replicas
	// (redisstore.CallStore) makes their calls one fake's: an action on
	// any replica sees the actions of all, and its errors answer 503.
	Calls CallStore
	// Sessions bound the sessions of a Server (NewServer): how many, their
	// TTL and journals.
	Sessions SessionOptions
	// Counters keeps the hits of the rules that count (times, sequences).
	// Nil: in this process. A store shared by several replicas
	// (redisstore.CounterStore) makes their counts one fake's, `times: 2`
	// two answers in all; each hit of such a rule is a round trip, and its
	// errors answer 503.
	Counters CounterStore
	// Callbacks sends the event callbacks of the simulated calls (package
	// callbacks); the caller starts and closes it. Nil: none are sent.
	Callbacks *callbacks.Dispatcher
}

// A CounterStore keeps the hits of the rules of sets of scenarios where
// several replicas of the fake share them.
type CounterStore interface {
	// Counter returns the counter of one set's rules. scope names the set
	// the same way on every replica (its kind and a digest of its
	// scenarios), so two sets never share counts and replicas of one set
	// always do.
	Counter(scope string) scenarios.Counter
	// Clear starts one scope's counts from zero, for every replica.
	Clear(ctx context.Context, scope string) error
	// Reset starts every scope's counts from zero, for every replica.
	Reset(ctx context.Context) error
}

// A CallStore keeps the simulated calls of stateful sets of scenarios
// (package multiparty's model) where several replicas of the fake share them.
type CallStore interface {
	// Calls returns the calls of one set. scope names the set the same
	// way in every replica (its kind and a digest of its world), so two
	// sets never share calls and replicas of one set always do.
	Calls(scope string) multiparty.Calls
	// Reset forgets the calls of every set, other replicas' included.
	Reset(ctx context.Context) error
}

// A StoreError is a failure of the store the fake's state is shared
// through (Options.Calls): the fake answers 503 naming the store, and the
// state is as it was.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// storeError wraps the error of a call operation that is the store's,
// not the model's (a refused transition, too many calls).
func storeError(err error) error {
	var te *multiparty.TransitionError
	if err == nil || errors.As(err, &te) || errors.Is(err, multiparty.ErrTooManyCalls) {
		return err
	}
	return &StoreError{Err: err}
}

// A Director holds the active scenarios and answers for them: it is the
// fake's Store (mockserver.Options.Store), which gives each request the
// accounts, world and rules of the set active when it arrived. The active set
// is one immutable compiled value behind an atomic pointer, so an
// activation is seen whole or not at all, and a request that matches no
// rule costs one atomic load.
type Director struct {
	opts Options
	// explicit: Options.Accounts was given, and wins over the scenarios'.
	explicit bool
	// own is a session's account (Sessions), accepted before any other.
	own    account
	active atomic.Pointer[set]
	// byName holds a compiled set per loaded scenario and per built-in
	// named so far (see named), for HeaderScenario. Copied on write.
	byName atomic.Pointer[map[string]*set]

	// wmu serialises the changes (change) and the following of other
	// replicas' (Follow); state and version are its.
	wmu     sync.Mutex
	state   *state
	version string // of Options.Shared's state that state is ("": none)
	// defaults is the set the Director started with (New, Start, or the
	// last Replace: --scenario and its reloads), which Reset activates.
	defaults []*scenarios.Scenario

	mu     sync.Mutex // guards loaded and the writers of byName
	loaded map[string]*scenarios.Scenario
}

// A set is compiled scenarios: what a request is answered from.
type set struct {
	names     []string
	label     string // names joined with "+", for the journal
	scenarios []*scenarios.Scenario
	engine    *scenarios.Engine
	hasRules  bool
	calls     multiparty.Calls // nil unless a scenario is stateful
	// counter counts the rules' hits when they are shared (Options.Counters):
	// nil in memory, where the engine counts them.
	counter    scenarios.Counter
	countScope string
	accounts   map[string]string
	phlos      map[string]mockserver.Phlo
	nodes      map[[2]string]mockserver.Node
	pin        atomic.Pointer[pinned] // the set's State, made at its first request
	// cbNodes are the world's callback targets by (PHLO, node), cbFaults
	// the scenarios' callback faults (callbacks.go).
	cbNodes  map[[2]string]cbNode
	cbFaults []callbacks.Fault
}

// New returns a Director with the given scenarios active (none: an empty
// set, the contract's answers).
func New(opts Options, active ...*scenarios.Scenario) (*Director, error) {
	explicit := opts.Accounts != nil
	if !explicit {
		opts.Accounts = mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Director{opts: opts, explicit: explicit, loaded: map[string]*scenarios.Scenario{}}
	byName := map[string]*set{}
	d.byName.Store(&byName)
	st, err := d.compile(active, scopeActive)
	if err != nil {
		return nil, err
	}
	d.active.Store(st)
	d.state = &state{change: "new", active: slices.Clone(active), activeBy: "new",
		loaded: map[string]*scenarios.Scenario{}, loadedBy: map[string]string{}}
	d.defaults = slices.Clone(active)
	return d, nil
}

// OperationIDs lists the operation ids of doc, for Options.Operations.
func OperationIDs(doc *openapi3.T) scenarios.KnownOperations {
	var ids scenarios.KnownOperations
	if doc == nil || doc.Paths == nil {
		return ids
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// nameOf is the name a scenario is activated and selected by: its name,
// else its file name without extension.
func nameOf(s *scenarios.Scenario) string {
	if s.Name != "" {
		return s.Name
	}
	base := filepath.Base(s.File)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

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

// Activate validates and compiles ss, then makes them the active set, all
// at once: on error nothing changes. Later scenarios override earlier ones
// (their rules are tried first, their world entries win). The calls of a
// stateful scenario start from its world: with a shared store
// (Options.Calls), for every replica. With Options.Shared, every replica
// takes up the set; an error of a store is a *StoreError.
func (d *Director) Activate(ss ...*scenarios.Scenario) error {
	return d.change(context.Background(), true, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.active, next.activeBy, next.times = slices.Clone(ss), id, 0
		return next, nil
	})
}

// Resume is Start with nothing to load.
func (d *Director) Resume(ss ...*scenarios.Scenario) error { return d.Start(ss, nil) }

// Start is how a replica takes up its --scenario arguments: it loads load
// (as Load) and activates active (as Activate), at once, but for the calls
// and the rules' counts: those shared stores (Options.Calls,
// Options.Counters) have for this set go on as they are, so starting or
// restarting one replica never ends the calls the others are serving nor
// rewinds their sequences. With Options.Shared, a replica whose arguments are those the
// shared state was started with takes up that state as it is (whatever was
// activated or uploaded since); one with other arguments (a new
// deployment) publishes its own, and the others follow it.
func (d *Director) Start(active, load []*scenarios.Scenario) error {
	ctx := context.Background()
	if d.opts.Shared == nil {
		return d.changeDefaults(ctx, false, func(cur *state, id string) (*state, error) {
			return replaced(cur, active, load, id), nil
		}, active)
	}
	digest := startDigest(active, load)
	d.wmu.Lock()
	defer d.wmu.Unlock()
	// The arguments must be valid whatever the store holds.
	if _, err := d.build(&state{}, replaced(d.state, active, load, "check")); err != nil {
		return err
	}
	if err := d.followLocked(ctx); err != nil {
		if errors.As(err, new(*StoreError)) {
			return err
		}
		// A state this replica cannot load (another phlomock's) is
		// replaced by its own.
		d.opts.Logger.Warn("the shared scenarios do not load here: publishing this replica's", slog.String("error", err.Error()))
	}
	joined := false
	err := d.changeLocked(ctx, false, func(cur *state, id string) (*state, error) {
		if joined = d.version != "" && cur.start == digest; joined {
			return nil, nil // a replica joining the others
		}
		next := replaced(cur, active, load, id)
		next.start = digest
		return next, nil
	})
	if err == nil {
		d.defaults = slices.Clone(active)
		how := "published this replica's --scenario arguments"
		if joined {
			how = "joined the replicas started with the same arguments"
		}
		d.opts.Logger.Info("shared scenarios: "+how, slog.String("active", d.active.Load().label), slog.String("version", d.version))
	}
	return err
}

// Replace loads load (as Load) and makes active the active set (as
// Activate), at once: on error nothing changes. It is a --watch reload.
func (d *Director) Replace(active, load []*scenarios.Scenario) error {
	return d.changeDefaults(context.Background(), true, func(cur *state, id string) (*state, error) {
		return replaced(cur, active, load, id), nil
	}, active)
}

// replaced is cur with load loaded and active active, by change id.
func replaced(cur *state, active, load []*scenarios.Scenario, id string) *state {
	next := cur.clone()
	next.active, next.activeBy, next.times = slices.Clone(active), id, 0
	for _, s := range load {
		next.loaded[nameOf(s)], next.loadedBy[nameOf(s)] = s, id
	}
	return next
}

// startFresh starts st's rules' counts from zero and its calls from its
// world, for every replica, in the shared stores (Options.Counters,
// Options.Calls): in memory st's are new already. It runs before st is
// published or swapped in, so an error (a *StoreError) changes nothing.
func (d *Director) startFresh(st *set) error {
	if st.counter != nil {
		if err := d.opts.Counters.Clear(context.Background(), st.countScope); err != nil {
			return &StoreError{Err: err}
		}
	}
	if st.calls != nil && d.opts.Calls != nil {
		if err := st.calls.Reset(context.Background()); err != nil {
			return &StoreError{Err: err}
		}
	}
	return nil
}

// setActive makes st the active set, under d.mu (see Director.mu), and
// logs it: the one place the set is swapped. With fresh, st starts over
// first (see startFresh): if that fails, nothing changes. A replica following
// an activation made on another swaps the set without: it started over
// where it was made.
func (d *Director) setActive(st *set, fresh bool) error {
	if fresh {
		if err := d.startFresh(st); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.active.Store(st)
	d.mu.Unlock()
	d.opts.Logger.Info("scenarios activated", slog.String("active", st.label))
	return nil
}

// Lookup returns the loaded or built-in scenarios of these names.
func (d *Director) Lookup(names ...string) ([]*scenarios.Scenario, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return lookupIn(d.loaded, names)
}

func lookupIn(loaded map[string]*scenarios.Scenario, names []string) ([]*scenarios.Scenario, error) {
	var ss []*scenarios.Scenario
	var errs []error
	for _, name := range names {
		if s, ok := loaded[name]; ok {
			ss = append(ss, s)
			continue
		}
		s, err := scenarios.Builtin(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w %q: want a loaded scenario or one of %s", ErrUnknownScenario, name, strings.Join(availableIn(loaded), ", ")))
			continue
		}
		ss = append(ss, s)
	}
	return ss, errors.Join(errs...)
}

// Load validates s and keeps it under its name (or its file's base name),
// for ActivateNames and HeaderScenario. It does not activate it. With
// Options.Shared, every replica loads it.
func (d *Director) Load(s *scenarios.Scenario) error {
	if s == nil {
		return errors.New("director: nil scenario")
	}
	return d.change(context.Background(), false, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.loaded[nameOf(s)], next.loadedBy[nameOf(s)] = s, id
		return next, nil
	})
}

// keepNamedLocked keeps st for HeaderScenario under name (d.mu held): the
// map is copied on write, so requests read it without the lock.
func (d *Director) keepNamedLocked(name string, st *set) {
	byName := maps.Clone(*d.byName.Load())
	byName[name] = st
	d.byName.Store(&byName)
}

// named returns the compiled set of a loaded scenario or, failing that, of
// a built-in, compiled and kept at its first use (not in New: most runs
// never name one, and compiling them all cost start-up time); nil for an
// unknown name.
func (d *Director) named(name string) *set {
	if st := (*d.byName.Load())[name]; st != nil {
		return st
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := (*d.byName.Load())[name]; st != nil {
		return st
	}
	s, err := scenarios.Builtin(name)
	if err != nil {
		return nil
	}
	st, err := compileWith([]*scenarios.Scenario{s}, nil, d.opts.Calls, d.opts.Counters, scopeNamed)
	if err != nil {
		d.opts.Logger.Error("built-in scenario does not compile", slog.String("scenario", name), slog.String("error", err.Error()))
		return nil
	}
	d.keepNamedLocked(name, st)
	return st
}

// Operations returns the operation ids scenarios are validated against
// (Options.Operations), for scenarios.Check.
func (d *Director) Operations() scenarios.KnownOperations { return d.opts.Operations }

// Active names the active scenarios, in activation order.
func (d *Director) Active() []string { return slices.Clone(d.active.Load().names) }

// ActiveScenarios returns the active scenarios, in activation order; they
// are shared: do not modify them.
func (d *Director) ActiveScenarios() []*scenarios.Scenario {
	return slices.Clone(d.active.Load().scenarios)
}

// Available lists the scenarios that can be activated by name, sorted.
func (d *Director) Available() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.availableLocked()
}

func (d *Director) availableLocked() []string { return availableIn(d.loaded) }

func availableIn(loaded map[string]*scenarios.Scenario) []string {
	names := scenarios.BuiltinNames()
	for name := range loaded {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// rewind starts every compiled set's rule counters over, and its calls
// when they are this process's (d.wmu held).
func (d *Director) rewind() {
	reset := func(st *set) {
		st.engine.Reset()
		if st.calls != nil && d.opts.Calls == nil {
			_ = st.calls.Reset(context.Background()) // in memory: cannot fail
		}
	}
	reset(d.active.Load())
	for _, st := range *d.byName.Load() {
		reset(st)
	}
	if d.opts.Callbacks != nil {
		d.opts.Callbacks.Rewind(d.own.session)
	}
}

// Calls returns the state of the active set's simulated calls, nil when no
// active scenario is stateful. An error of the store is a *StoreError.
func (d *Director) Calls(ctx context.Context) ([]multiparty.Snapshot, error) {
	st := d.active.Load()
	if st.calls == nil {
		return nil, nil
	}
	calls, err := st.calls.Snapshot(ctx)
	return calls, storeError(err)
}

// Stateful reports whether the active set simulates calls.
func (d *Director) Stateful() bool { return d.active.Load().calls != nil }

// An account is an Auth ID and its token; session names the session it is
// the account of.
type account struct{ id, token, session string }

// Account is the Director's own account when it is a session's (Sessions):
// its Auth ID, Auth Token and session id; ok is false for the default
// session's Director, whose requests use the accounts it accepts
// (Options.Accounts, the scenarios'). A callback of a session is signed
// with this token.
func (d *Director) Account() (authID, token, session string, ok bool) {
	return d.own.id, d.own.token, d.own.session, d.own.id != ""
}

// token: the session's own account, Options.Accounts when given, then the
// active scenarios' accounts (then the default account).
func (d *Director) token(st *set, authID string) (string, bool) {
	if d.own.id != "" && authID == d.own.id {
		return d.own.token, true
	}
	if d.explicit {
		if t, ok := d.opts.Accounts.Token(authID); ok {
			return t, true
		}
	}
	if t, ok := st.accounts[authID]; ok {
		return t, true
	}
	if !d.explicit {
		return d.opts.Accounts.Token(authID)
	}
	return "", false
}

func (d *Director) phlo(st *set, id string) (mockserver.Phlo, bool) {
	if p, ok := st.phlos[id]; ok {
		return p, true
	}
	if d.opts.World != nil {
		return d.opts.World.Phlo(id)
	}
	return mockserver.Phlo{}, false
}

func (d *Director) node(st *set, phloID, nodeID string) (mockserver.Node, bool) {
	if n, ok := st.nodes[[2]string{phloID, nodeID}]; ok {
		return n, true
	}
	if d.opts.World != nil {
		return d.opts.World.Node(phloID, nodeID)
	}
	return mockserver.Node{}, false
}

// respond answers ex from st. Rules answer first; a rule without status
// (latency or headers only) lets the request go on to the call model
// (stateful scenarios), then to the contract's answer.
func (d *Director) respond(ctx context.Context, st *set, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	if name := ex.Header.Get(HeaderScenario); name != "" {
		st = d.named(name)
		if st == nil {
			return errorAnswer(http.StatusBadRequest, fmt.Sprintf("Unknown scenario %q in %s: want one of %s.", name, HeaderScenario, strings.Join(d.Available(), ", "))), true
		}
	}
	if !st.hasRules && st.calls == nil {
		return nil, false
	}
	var out *mockserver.Answer
	if st.hasRules {
		req := scenarios.Request{
			OperationID: ex.OperationID, Method: ex.Method, Path: ex.Path, PathParams: ex.PathParams,
			Body: ex.Body, Header: ex.Header, AuthID: ex.AuthID,
		}
		var a scenarios.Answer
		var ok bool
		switch {
		case ex.DryRun:
			// A dry run (the proxy's) counts nothing, in this process.
			a, ok = st.engine.Peek(req)
		case st.counter == nil:
			a, ok = st.engine.Match(req)
		default:
			var err error
			if a, ok, err = st.engine.MatchCounted(ctx, req, st.counter); err != nil {
				out = errorAnswer(http.StatusServiceUnavailable, storeMessage(err))
				out.Scenario, out.Verbatim = st.label, true
				return out, true
			}
		}
		if !ok {
			out = d.closestRule(st, &req)
		}
		if ok {
			out = &mockserver.Answer{Status: a.Status, Header: a.Header, Delay: a.Delay, Drop: a.Drop, Scenario: st.label, Rule: a.RuleName}
			if a.HasBody() {
				out.Body = a.Body(mockserver.NewAPIID())
			}
			if a.Status != 0 || a.Drop {
				// The user's explicit answer, sent as written even when
				// it breaks the contract (an empty or HTML error body).
				out.Verbatim = true
				return out, true
			}
		}
	}
	if st.calls != nil && (ex.OperationID == opUpdateCall || ex.OperationID == opUpdateMember) {
		if out == nil {
			out = &mockserver.Answer{Scenario: st.label}
		}
		out.Scenario = st.label
		action := multiparty.ActionFrom(ex.PathParams["member_address"], ex.Body)
		apply := st.calls.Apply
		if ex.DryRun {
			apply = st.calls.Try
		}
		res, err := apply(ctx, ex.PathParams["phlo_id"], ex.PathParams["node_id"], action)
		if err = storeError(err); err != nil {
			out.Status, out.Body = http.StatusBadRequest, errorBody(err.Error())
			if errors.As(err, new(*StoreError)) {
				// Not the model's answer: the store's, sent as is.
				out.Status, out.Body, out.Verbatim = http.StatusServiceUnavailable, errorBody(storeMessage(err)), true
			}
			return out, true
		}
		out.CallSeq = res.Seq
		if !ex.DryRun {
			d.notify(st, ex, action, res)
		}
		return out, true
	}
	// A rule with no status answered (latency, headers); else out, when
	// set, only explains a miss.
	return out, out != nil && out.ClosestRule == nil
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

// closestRule explains a request no rule of st matched, when one came close
// (scenarios.Engine.Closest): nil otherwise. It logs the miss at debug
// level, for `phlomock serve --log-level debug`.
func (d *Director) closestRule(st *set, req *scenarios.Request) *mockserver.Answer {
	miss := st.engine.Closest(req)
	if miss == nil {
		return nil
	}
	rm := &mockserver.RuleMiss{Scenario: st.label, Rule: miss.Rule, Differences: make([]string, len(miss.Differences))}
	for i, diff := range miss.Differences {
		rm.Differences[i] = diff.String()
	}
	d.opts.Logger.Debug("no rule matched", slog.String("path", req.Path), slog.String("operation", req.OperationID),
		slog.String("scenario", rm.Scenario), slog.String("closest_rule", rm.Rule), slog.String("differences", strings.Join(rm.Differences, "; ")))
	return &mockserver.Answer{ClosestRule: rm}
}

// storeMessage is the error text of a 503 for a store error, in the words
// of mockserver's own (a Store that cannot give a request its state).
func storeMessage(err error) string {
	return "The fake's state is unavailable: " + err.Error() + "."
}

func errorAnswer(status int, msg string) *mockserver.Answer {
	return &mockserver.Answer{Status: status, Body: errorBody(msg)}
}

// errorBody is the contract's Error: {"api_id", "error"}.
func errorBody(msg string) []byte {
	b, _ := json.Marshal(struct {
		APIID string `json:"api_id"`
		Error string `json:"error"`
	}{mockserver.NewAPIID(), msg})
	return b
}

// State implements mockserver.Store: the active set is loaded once, and
// its accounts, world and rules serve the whole request, so an activation
// between the credential check and the answer is not half seen. It never
// fails: the set lives in this process.
func (d *Director) State(*http.Request) (mockserver.State, error) {
	st := d.active.Load()
	p := st.pin.Load()
	if p == nil || p.d != d { // one per set, not per request
		p = &pinned{d: d, st: st}
		st.pin.Store(p)
	}
	return mockserver.State{Accounts: p, World: p, Responder: p}, nil
}

// pinned is the Director with its active set fixed for one request: the
// request's Accounts, World and Responder.
type pinned struct {
	d  *Director
	st *set
}

func (p *pinned) Token(authID string) (string, bool)             { return p.d.token(p.st, authID) }
func (p *pinned) AuthIDs() []string                              { return p.d.authIDs(p.st) }
func (p *pinned) Phlo(id string) (mockserver.Phlo, bool)         { return p.d.phlo(p.st, id) }
func (p *pinned) Node(phlo, node string) (mockserver.Node, bool) { return p.d.node(p.st, phlo, node) }
func (p *pinned) Respond(ctx context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	return p.d.respond(ctx, p.st, ex)
}
