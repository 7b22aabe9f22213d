package multiparty

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

type key struct{ phloID, nodeID string }

// entry is a call as the Registry keeps it: the call's state machine, and
// what the Registry needs to bound its calls (forget the least recently
// used, never one someone is on).
type entry struct {
	call   *CallState
	seeded bool          // by Seed: never forgotten
	used   atomic.Uint64 // the Registry's clock when last looked up
	// empty: nobody is on the call (CallState.idle), as of its last action;
	// read without a lock when looking for calls to forget.
	empty atomic.Bool
	// idle counts the Registry's calls, not seeded, that are empty: the
	// Registry's counter when the entry was made (Reset starts a new one);
	// nil for a seeded call.
	idle *atomic.Int64
	// evicted: forgotten by the Registry (guarded by call.mu). An action
	// that finds it so goes to the node's new call instead.
	evicted bool
}

func newEntry(c *CallState, seeded bool, idle *atomic.Int64) *entry {
	e := &entry{call: c, seeded: seeded, idle: idle}
	e.empty.Store(c.idle()) // c is not shared yet
	if idle != nil && e.empty.Load() {
		idle.Add(1)
	}
	return e
}

// apply performs a on the call, unless the Registry forgot it (applied
// false), and keeps the entry's empty and idle count up to date.
func (e *entry) apply(a Action) (res Result, applied bool, err error) {
	c := e.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.evicted {
		return Result{}, false, nil
	}
	if res, err = c.applyLocked(a); err != nil {
		return Result{}, true, err
	}
	if idle := c.idle(); idle != e.empty.Load() {
		e.empty.Store(idle)
		switch {
		case e.idle == nil:
		case idle:
			e.idle.Add(1)
		default:
			e.idle.Add(-1)
		}
	}
	return res, true, nil
}

// forget marks the call forgotten, if nobody is on it or always, and
// reports whether it did. The idle count no longer counts it.
func (e *entry) forget(always bool) bool {
	c := e.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.evicted || !always && !c.idle() {
		return false
	}
	e.evicted = true
	if e.idle != nil && e.empty.Load() {
		e.idle.Add(-1)
	}
	return true
}

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
	calls   map[key]*entry
	initial map[key][]Member // seeded: every key is in calls too
	idle    *atomic.Int64    // the calls of calls, not seeded, nobody is on
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	max := opts.MaxCalls
	if max == 0 {
		max = DefaultMaxCalls
	}
	return &Registry{opts: opts, max: max, calls: map[key]*entry{}, initial: map[key][]Member{}, idle: new(atomic.Int64)}
}

// Seed declares the members a call starts with (the scenario's world) and
// resets that call to them.
func (r *Registry) Seed(phloID, nodeID string, members []Member) error {
	c, err := NewCall(phloID, nodeID, members, r.opts)
	if err != nil {
		return fmt.Errorf("phlo %s node %s: %w", phloID, nodeID, err)
	}
	k := key{phloID, nodeID}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.calls[k]; old != nil && !old.seeded {
		old.forget(true) // Registry.Apply goes on with the seeded call
	}
	r.initial[k] = slices.Clone(members)
	r.calls[k] = newEntry(c, true, nil)
	return nil
}

// call returns the call of a node, creating it on first use. At
// Options.MaxCalls it forgets the least recently used calls nobody is on,
// or, if everyone is on some call, returns an error wrapping
// ErrTooManyCalls. A call nobody is on may be forgotten later: Apply then
// starts the node's call again.
func (r *Registry) call(phloID, nodeID string) (*entry, error) {
	k := key{phloID, nodeID}
	r.mu.RLock()
	e := r.calls[k]
	r.mu.RUnlock()
	if e == nil {
		var err error
		if e, err = r.create(k); err != nil {
			return nil, err
		}
	}
	e.used.Store(r.clock.Add(1))
	return e, nil
}

func (r *Registry) create(k key) (*entry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.calls[k]; e != nil {
		return e, nil
	}
	if r.max > 0 && len(r.calls)-len(r.initial) >= r.max && !r.evictIdle() {
		return nil, TooManyCalls(k.phloID, k.nodeID, r.max)
	}
	c, _ := NewCall(k.phloID, k.nodeID, nil, r.opts) // no members: cannot fail
	e := newEntry(c, false, r.idle)
	r.calls[k] = e
	return e, nil
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
	for _, e := range r.calls {
		if !e.seeded && e.empty.Load() {
			uses = append(uses, e.used.Load())
		}
	}
	if len(uses) == 0 {
		return false
	}
	slices.Sort(uses)
	batch := max(1, r.max/16)
	last := uses[min(batch, len(uses))-1]
	n := 0
	for k, e := range r.calls {
		// A call used since the first pass has a later use: it stays.
		if !e.seeded && e.used.Load() <= last && e.forget(false) { // else someone joined it since
			delete(r.calls, k)
			n++
		}
	}
	return n > 0
}

// Apply performs a on the call of a node.
func (r *Registry) Apply(phloID, nodeID string, a Action) (Result, error) {
	for {
		e, err := r.call(phloID, nodeID)
		if err != nil {
			return Result{}, err
		}
		if res, applied, err := e.apply(a); applied {
			return res, err
		}
		// Forgotten between the lookup and the action: nobody was on it,
		// so the node's new (empty) call takes the action the same way.
	}
}

// Try answers as Apply would now, on a copy of the call: the registry
// changes in no way (a call that does not exist yet is not created).
func (r *Registry) Try(phloID, nodeID string, a Action) (Result, error) {
	r.mu.RLock()
	e := r.calls[key{phloID, nodeID}]
	r.mu.RUnlock()
	now := Snapshot{PhloID: phloID, NodeID: nodeID}
	if e != nil {
		now = e.call.Snapshot()
	}
	return Restore(now).Apply(a)
}

// Reset brings every call back to its seeded members (or empty) and
// forgets the others.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = make(map[key]*entry, len(r.initial))
	r.idle = new(atomic.Int64) // the old calls count in the old one
	for k, ms := range r.initial {
		c, _ := NewCall(k.phloID, k.nodeID, ms, r.opts) // checked by Seed
		r.calls[k] = newEntry(c, true, nil)
	}
}

// Snapshot returns the state of every call, ordered by PHLO then node.
func (r *Registry) Snapshot() []Snapshot {
	r.mu.RLock()
	calls := make([]*CallState, 0, len(r.calls))
	for _, e := range r.calls {
		calls = append(calls, e.call)
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
