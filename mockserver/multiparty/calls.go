package multiparty

import (
	"context"
	"fmt"
	"slices"
)

// Calls are the simulated calls of one set of scenarios, one per (PHLO,
// node): a Registry in this process (NewMemory), or a store that several
// replicas of the fake share (package redisstore), where the same actions
// get the same answers as from one process. Every implementation runs this
// package's state machine; only where the state lives differs.
//
// An error that is neither a *TransitionError nor ErrTooManyCalls is the
// store's: the action may be tried again, and the call is as it was.
type Calls interface {
	// Seed declares the members a call starts with (the scenario's world).
	// It is the set's own declaration, made the same way by every replica:
	// it changes no call that has started.
	Seed(phloID, nodeID string, members []Member) error
	// Apply performs a on the call of a node, or refuses it and changes
	// nothing.
	Apply(ctx context.Context, phloID, nodeID string, a Action) (Result, error)
	// Try answers as Apply would now, and changes nothing: not the call,
	// not its log, not the order in which calls are forgotten (a proxy's
	// dry run of the fake).
	Try(ctx context.Context, phloID, nodeID string, a Action) (Result, error)
	// Snapshot returns the state of every call, ordered by PHLO then node.
	Snapshot(ctx context.Context) ([]Snapshot, error)
	// History returns how the call of a node came to its state, false when
	// there is no such call.
	History(ctx context.Context, phloID, nodeID string) (History, bool, error)
	// Reset brings every call back to its seeded members (or empty) and
	// forgets the others.
	Reset(ctx context.Context) error
}

// NewMemory returns calls kept in this process: a Registry, which never
// fails but for the transitions it refuses and ErrTooManyCalls.
func NewMemory(opts Options) Calls { return memory{NewRegistry(opts)} }

// memory is a Registry as Calls: the context is not needed, nothing waits.
type memory struct{ r *Registry }

func (m memory) Seed(phloID, nodeID string, members []Member) error {
	return m.r.Seed(phloID, nodeID, members)
}

func (m memory) Apply(_ context.Context, phloID, nodeID string, a Action) (Result, error) {
	return m.r.Apply(phloID, nodeID, a)
}

func (m memory) Try(_ context.Context, phloID, nodeID string, a Action) (Result, error) {
	return m.r.Try(phloID, nodeID, a)
}

func (m memory) Snapshot(context.Context) ([]Snapshot, error) { return m.r.Snapshot(), nil }

func (m memory) History(_ context.Context, phloID, nodeID string) (History, bool, error) {
	h, ok := m.r.History(phloID, nodeID)
	return h, ok, nil
}

func (m memory) Reset(context.Context) error { m.r.Reset(); return nil }

// DefaultLogSize is how many applied actions a call keeps when
// Options.LogSize is 0.
const DefaultLogSize = 1024

// TooManyCalls is the error of a new call at the bound max (wrapping
// ErrTooManyCalls), worded the same by every implementation of Calls.
func TooManyCalls(phloID, nodeID string, max int) error {
	return fmt.Errorf("phlo %s node %s: %w: the fake keeps %d calls started by requests and someone is on each; hang up the members of the calls you are done with, or reset the fake", phloID, nodeID, ErrTooManyCalls, max)
}

// Idle reports whether nobody is on the call: every member disconnected
// (or none) and no transfer pending. A bounded store may forget such a
// call; the next action starts it again, empty, and no member can tell.
func (s Snapshot) Idle() bool {
	if s.Transfer != nil {
		return false
	}
	for _, m := range s.Members {
		if m.State != Disconnected {
			return false
		}
	}
	return true
}

// Restore returns the call in state s, for a store that keeps calls
// outside the process: apply the next action to it, then keep its new
// Snapshot. It keeps no log (the store keeps it, with the Seq of each
// Result). s is trusted: it is a Snapshot this package made.
func Restore(s Snapshot) *CallState {
	c := &CallState{phloID: s.PhloID, nodeID: s.NodeID, logSize: -1, seq: s.Seq, members: slices.Clone(s.Members)}
	if s.Transfer != nil {
		t := *s.Transfer
		t.Held = slices.Clone(t.Held)
		c.transfer = &t
	}
	return c
}
