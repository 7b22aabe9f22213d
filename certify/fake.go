package certify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	phlofake "github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
)

// fake is the one fake of a run (package fake), with its sessions: each
// case runs in a session of its own, on a lane (lane.go).
type fake struct {
	f        *phlofake.Fake
	director *director.Director // the default session's: the operations
	sessions *director.Sessions
}

// settle bounds the wait for requests still being served when the driver
// has answered (a client that reports before its request ends).
const settle = 2 * time.Second

// startFake starts the fake, its state in backend as `phlomock serve
// --store` keeps it there, each session's in sessionBackend(id); a nil
// backend keeps it in the process. The cases are judged from their
// sessions' journals, the shared ones with a backend, as verify reads
// them.
func startFake(spec *openapi3.T, logger *slog.Logger, backend phlofake.Backend, sessionBackend func(id string) phlofake.Backend) (*fake, error) {
	if backend != nil && sessionBackend == nil {
		return nil, errors.New("a Store needs a SessionBackend (redisstore.Store.Session): each case runs in a session of its own")
	}
	pf, err := phlofake.New(spec, phlofake.Config{
		Options:  mockserver.Options{Logger: logger},
		World:    mockserver.StaticWorld{PhloID: {NodeID}},
		Accounts: mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken, AltAuthID: AltAuthToken},
		Backend:  backend,
		// A session per case, and one per shrinking try: never near the
		// bound, never ended by its TTL while a case waits.
		Sessions:       director.SessionOptions{Max: 100000, TTL: time.Hour},
		SessionBackend: sessionBackend,
	})
	if err != nil {
		return nil, err
	}
	return &fake{f: pf, director: pf.Director, sessions: pf.Sessions}, nil
}

// close ends the fake's sessions at once: the run is over.
func (f *fake) close() {
	now, cancel := context.WithCancel(context.Background())
	cancel()
	_ = f.f.Close(now)
}
