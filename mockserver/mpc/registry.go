package mpc

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

type key struct{ phloID, nodeID string }

// DefaultMaxCalls is the bound on the calls a Registry creates on first use
// when Options.MaxCalls is 0: far more than a test suite uses at once, and
// a few MiB, where a client sending fresh ids would otherwise grow the heap
// by about 550 bytes a call, without end.
const DefaultMaxCalls = 10_000

// ErrTooManyCalls: a new call would go over Options.MaxCalls and every call
// the registry could forget has someone on it.
var ErrTooManyCalls = errors.New("too many calls")

// Registry holds the calls of a fake, one per (PHLO, node), created on first
// use (empty) or from the members Seed declared. It keeps at most
// Options.MaxCalls calls created on first use: at the bound, a new call
// makes it forget the least recently used calls nobody is on (a sixteenth
// of the bound at once, so a stream of new ids costs one scan in so many
// calls), or, when everyone is on some call, it is refused. It is safe for
// concurrent use.
type Registry struct {
	opts  Options
	max   int           // calls created on first use kept; <= 0: no bound
	clock atomic.Uint64 // ticks at each lookup: the order of use

	mu      sync.RWMutex
	calls   map[key]*CallState
	initial map[key][]Member // seeded: every key is in calls too
	idle    *atomic.Int64    // the calls of calls, not seeded, nobody is on
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	max := opts.MaxCalls
	if max == 0 {
		max = DefaultMaxCalls
	}
	return &Registry{opts: opts, max: max, calls: map[key]*CallState{}, initial: map[key][]Member{}, idle: new(atomic.Int64)}
}

// Seed declares the members a call starts with (the scenario's world) and
// resets that call to them.
func (r *Registry) Seed(phloID, nodeID string, members []Member) error {
	c, err := NewCall(phloID, nodeID, members, r.opts)
	if err != nil {
		return fmt.Errorf("phlo %s node %s: %w", phloID, nodeID, err)
	}
	c.seeded = true
	k := key{phloID, nodeID}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.calls[k]; old != nil && !old.seeded {
		old.forget(true) // Registry.Apply goes on with the seeded call
	}
	r.initial[k] = slices.Clone(members)
	r.calls[k] = c
	return nil
}

// Call returns the call of a node, creating it on first use. At
// Options.MaxCalls it forgets the least recently used calls nobody is on,
// or, if everyone is on some call, returns an error wrapping
// ErrTooManyCalls. A call nobody is on may be forgotten later: act through
// Apply, which then starts the node's call again.
func (r *Registry) Call(phloID, nodeID string) (*CallState, error) {
	k := key{phloID, nodeID}
	r.mu.RLock()
	c := r.calls[k]
	r.mu.RUnlock()
	if c == nil {
		var err error
		if c, err = r.create(k); err != nil {
			return nil, err
		}
	}
	c.used.Store(r.clock.Add(1))
	return c, nil
}

func (r *Registry) create(k key) (*CallState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.calls[k]; c != nil {
		return c, nil
	}
	if r.max > 0 && len(r.calls)-len(r.initial) >= r.max && !r.evictIdle() {
		return nil, fmt.Errorf("phlo %s node %s: %w: the fake keeps %d calls started by requests and someone is on each; hang up the members of the calls you are done with, or reset the fake", k.phloID, k.nodeID, ErrTooManyCalls, r.max)
	}
	c, _ := NewCall(k.phloID, k.nodeID, nil, r.opts) // no members: cannot fail
	c.idleCount = r.idle
	r.idle.Add(1) // empty
	r.calls[k] = c
	return c, nil
}

// evictIdle forgets the least recently used calls, not seeded, that nobody
// is on (a sixteenth of the bound), and reports whether it forgot any (r.mu
// held).
func (r *Registry) evictIdle() bool {
	if r.idle.Load() == 0 {
		return false // no need to look
	}
	// The batch's last use: the batch-th smallest of the idle calls'.
	var uses []uint64
	for _, c := range r.calls {
		if !c.seeded && c.empty.Load() {
			uses = append(uses, c.used.Load())
		}
	}
	if len(uses) == 0 {
		return false
	}
	slices.Sort(uses)
	batch := max(1, r.max/16)
	last := uses[min(batch, len(uses))-1]
	n := 0
	for k, c := range r.calls {
		// A call used since the first pass has a later use: it stays.
		if !c.seeded && c.used.Load() <= last && c.forget(false) { // else someone joined it since
			delete(r.calls, k)
			n++
		}
	}
	return n > 0
}

// Apply performs a on the call of a node.
func (r *Registry) Apply(phloID, nodeID string, a Action) (Result, error) {
	for {
		c, err := r.Call(phloID, nodeID)
		if err != nil {
			return Result{}, err
		}
		res, err := c.Apply(a)
		if !errors.Is(err, ErrEvicted) {
			return res, err
		}
		// Forgotten between the lookup and the action: nobody was on it,
		// so the node's new (empty) call takes the action the same way.
	}
}

// Reset brings every call back to its seeded members (or empty) and
// forgets the others.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = make(map[key]*CallState, len(r.initial))
	r.idle = new(atomic.Int64) // the old calls count in the old one
	for k, ms := range r.initial {
		c, _ := NewCall(k.phloID, k.nodeID, ms, r.opts) // checked by Seed
		c.seeded = true
		r.calls[k] = c
	}
}

// Snapshot returns the state of every call, ordered by PHLO then node.
func (r *Registry) Snapshot() []Snapshot {
	r.mu.RLock()
	calls := make([]*CallState, 0, len(r.calls))
	for _, c := range r.calls {
		calls = append(calls, c)
	}
	r.mu.RUnlock()
	out := make([]Snapshot, 0, len(calls))
	for _, c := range calls {
		out = append(out, c.Snapshot())
	}
	slices.SortFunc(out, func(a, b Snapshot) int {
		return cmp.Or(cmp.Compare(a.PhloID, b.PhloID), cmp.Compare(a.NodeID, b.NodeID))
	})
	return out
}
