package redisstore

import (
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/mpc"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/scenarios"
)

// SessionScope is where each session keeps its state in s (Store.Session):
// its scenarios, counts, calls, and its journal of journalSize entries (0:
// scripted.DefaultSessionJournalSize), for scripted.SessionOptions.Scope.
func SessionScope(s *Store, journalSize int) func(id string) scripted.SessionScope {
	if journalSize <= 0 {
		journalSize = scripted.DefaultSessionJournalSize
	}
	return func(id string) scripted.SessionScope {
		ss := s.Session(id)
		j := NewJournal(ss, JournalOptions{Size: journalSize})
		return scripted.SessionScope{Shared: NewStateStore(ss), Calls: NewCallStore(ss, mpc.Options{}),
			Counters: NewCounterStore(ss), Journal: j, Close: j.Close}
	}
}

// NewServer builds a fake as scripted.NewServer does, with everything
// `phlomock serve --store redis://...` keeps in s: the simulated calls
// (CallStore), the rules' hits (CounterStore), the active and loaded
// scenarios (StateStore), the journal (Journal, as many entries as
// fake.JournalSize, the ring's bound) and the sessions (SessionScope). serve, package mockservertest and
// the certify runner build their fake here, so that a test on Redis runs
// what serve runs. opts' Calls, Counters and Shared are replaced.
//
// Close the Journal returned after the fake's last request, to write its
// queue; run Director.Follow for the other replicas' changes. A nil s
// builds the fake in memory, as scripted.NewServer does, with a nil
// Journal.
func NewServer(s *Store, doc *openapi3.T, opts scripted.Options, fake mockserver.Options, active ...*scenarios.Scenario) (*scripted.Server, *Journal, error) {
	if s == nil {
		srv, err := scripted.NewServer(doc, opts, fake, active...)
		return srv, nil, err
	}
	opts.Sessions.Store, opts.Sessions.Scope = s, SessionScope(s, opts.Sessions.JournalSize)
	opts.Calls = NewCallStore(s, mpc.Options{})
	opts.Counters = NewCounterStore(s)
	opts.Shared = NewStateStore(s)
	srv, err := scripted.NewServer(doc, opts, fake, active...)
	if err != nil {
		return nil, nil, err
	}
	j := NewJournal(s, JournalOptions{Size: fake.JournalSize})
	srv.Journal.SetStore(j)
	return srv, j, nil
}
