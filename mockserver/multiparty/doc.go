// Package multiparty simulates Plivo multi-party calls: who is on a call, in which
// role and state, and which warm transfer is pending. The fake consults it
// for node and member actions when a stateful scenario is active, turns a
// *TransitionError into 400 {"api_id", "error"} and serves Snapshot on its
// inspection endpoint.
//
// It is plain Go with no HTTP in it: the fake validates requests against the
// contract first (a role that is neither customer nor agent never gets here).
// The real API never exposes member state, so where Plivo's documentation is
// silent this package chooses; the README's state machine table is the
// reference and the tests in transitions_test.go check every row.
//
// Each Call serialises its actions under a mutex and numbers those it applies
// (Result.Seq), so a journal can replay them in order; Registry.History
// replays a call's own log to show its state after each action.
//
// A Registry is bounded: a client sending fresh PHLO and node ids would
// otherwise grow it without end. It keeps at most Options.MaxCalls
// (DefaultMaxCalls, 10,000) calls created on first use, besides the seeded
// ones, which are never forgotten. At the bound a new call makes it forget
// the least recently used calls nobody is on (every member disconnected, or
// none), which a client cannot tell from an empty call but for the sequence
// numbers starting again; when someone is on every call, the new call is
// refused with ErrTooManyCalls (the fake answers 400), and no call in use
// ever loses its state.
//
// Files: multiparty.go (roles, states, actions, errors and the values
// returned), callstate.go (one call: NewCall, Apply, Snapshot, Log),
// transitions.go (the state machine: which action is allowed in which
// state, and what it changes), registry.go (the bounded set of calls in one
// process), calls.go (Calls, the interface a shared store implements too)
// and history.go (a call's state after each of its actions).
package multiparty
