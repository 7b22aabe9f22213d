package redisstore

import (
	"context"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// The methods below make a Store the fake's storage backend (fake.Backend,
// given to fake.New as Config.Backend): each hands the call to the Redis
// implementation of one part of the fake's state, all on the one client.
// The package declares no interface of its own and imports neither the
// fake nor its director: it implements, package fake assembles.

// Calls returns the simulated calls of one set of scenarios (CallStore).
func (s *Store) Calls(scope string) multiparty.Calls { return s.calls.Calls(scope) }

// ResetCalls forgets the calls of every set, other replicas' included.
func (s *Store) ResetCalls(ctx context.Context) error { return s.calls.Reset(ctx) }

// Counter returns the hits of one set's counting rules (CounterStore).
func (s *Store) Counter(scope string) scenarios.Counter { return s.counters.Counter(scope) }

// ClearCounts starts one set's counts from zero, for every replica.
func (s *Store) ClearCounts(ctx context.Context, scope string) error {
	return s.counters.Clear(ctx, scope)
}

// ResetCounts starts every set's counts from zero, for every replica.
func (s *Store) ResetCounts(ctx context.Context) error { return s.counters.Reset(ctx) }

// Publish, Load and Watch keep the shared scenarios (StateStore).
func (s *Store) Publish(ctx context.Context, base, version string, state []byte) (bool, error) {
	return s.state.Publish(ctx, base, version, state)
}

// Load returns the shared scenarios and their version (StateStore.Load).
func (s *Store) Load(ctx context.Context) ([]byte, string, error) { return s.state.Load(ctx) }

// Watch calls changed with the shared scenarios' versions until ctx ends
// (StateStore.Watch).
func (s *Store) Watch(ctx context.Context, changed func(version string)) {
	s.state.Watch(ctx, changed)
}

// Journal starts the journal every replica shares, keeping at most size
// entries (NewJournal); the caller closes it.
func (s *Store) Journal(size int) mockserver.JournalStore {
	return NewJournal(s, JournalOptions{Size: size})
}
