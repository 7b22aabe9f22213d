package mpc

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
)

type key struct{ phloID, nodeID string }

// Registry holds the calls of a fake, one per (PHLO, node), created on first
// use (empty) or from the members Seed declared. It is safe for concurrent
// use.
type Registry struct {
	opts Options

	mu      sync.RWMutex
	calls   map[key]*CallState
	initial map[key][]Member
}

// NewRegistry returns an empty registry.
func NewRegistry(opts Options) *Registry {
	return &Registry{opts: opts, calls: map[key]*CallState{}, initial: map[key][]Member{}}
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
	r.initial[k] = slices.Clone(members)
	r.calls[k] = c
	return nil
}

// Call returns the call of a node, creating it on first use.
func (r *Registry) Call(phloID, nodeID string) *CallState {
	k := key{phloID, nodeID}
	r.mu.RLock()
	c := r.calls[k]
	r.mu.RUnlock()
	if c != nil {
		return c
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.calls[k]; c != nil {
		return c
	}
	c, _ = NewCall(phloID, nodeID, nil, r.opts) // no members: cannot fail
	r.calls[k] = c
	return c
}

// Apply performs a on the call of a node.
func (r *Registry) Apply(phloID, nodeID string, a Action) (Result, error) {
	return r.Call(phloID, nodeID).Apply(a)
}

// Reset brings every call back to its seeded members (or empty) and
// forgets the others.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = make(map[key]*CallState, len(r.initial))
	for k, ms := range r.initial {
		r.calls[k], _ = NewCall(k.phloID, k.nodeID, ms, r.opts) // checked by Seed
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
