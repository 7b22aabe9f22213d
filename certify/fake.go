package certify

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	phlofake "github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/scenarios"
)

// fake is the one fake of a run (package fake), on a loopback port. Each
// case arranges its answer by activating a scenario in the fake's
// director: atomically, so a request sees the old arrangement or the new
// one, never half of each.
type fake struct {
	f        *phlofake.Fake
	srv      *mockserver.Server
	director *director.Director
	url      string
	// judged are the entries (entryKey) the cases were judged on: the
	// grace period after the last case looks only at the others.
	judged map[string]bool
	// retryAt is the date the case's Retry-After gave (Trouble.RetryAt),
	// zero for none.
	retryAt time.Time
	// altURL is a second address of the same fake (Case.Switch).
	altURL string
	altHS  *http.Server

	// inFlight counts requests inside the handler, so that a case reads the
	// journal only once every request it caused has been recorded.
	inFlight atomic.Int64

	// caseCtx ends when the case does: a request the fake still holds
	// (Trouble.Hold) is let go then, so that it is in the case's journal.
	mu      sync.Mutex
	caseCtx context.Context
	endCase context.CancelFunc
}

// settle bounds the wait for requests still being served when the driver
// has answered (a client that reports before its request ends).
const settle = 2 * time.Second

// startFake starts the fake, its state in backend as `phlomock serve
// --store` keeps it there; a nil backend keeps it in the process. The
// cases are judged from its journal, the shared one with a backend, as
// verify reads it.
func startFake(spec *openapi3.T, logger *slog.Logger, backend phlofake.Backend) (*fake, error) {
	f := &fake{judged: map[string]bool{}}
	f.caseCtx, f.endCase = context.WithCancel(context.Background())
	pf, err := phlofake.New(spec, phlofake.Config{
		Options:    mockserver.Options{Logger: logger},
		World:      mockserver.StaticWorld{PhloID: {NodeID}},
		Accounts:   mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken, AltAuthID: AltAuthToken},
		Backend:    backend,
		Middleware: []func(http.Handler) http.Handler{f.track},
	})
	if err != nil {
		return nil, err
	}
	if err := pf.Start(context.Background(), "127.0.0.1:0"); err != nil {
		_ = pf.Close(context.Background())
		return nil, err
	}
	f.f, f.srv, f.director, f.url = pf, pf.API, pf.Director, pf.URL
	alt, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.close()
		return nil, err
	}
	f.altHS = &http.Server{Handler: pf.Handler(), ReadHeaderTimeout: 5 * time.Second}
	f.altURL = "http://" + alt.Addr().String()
	go func() { _ = f.altHS.Serve(alt) }()
	return f, nil
}

// close stops the fake at once: the run is over, and waiting would wait
// for connections a client keeps alive.
func (f *fake) close() {
	f.finishCase()
	if f.altHS != nil {
		_ = f.altHS.Close()
	}
	now, cancel := context.WithCancel(context.Background())
	cancel()
	_ = f.f.Close(now)
}

// arrange activates the case's scenario (none: the contract answers) and
// empties the journal. hold is how long a Trouble.Hold answer is held.
func (f *fake) arrange(c Case, hold time.Duration) error {
	f.mu.Lock()
	f.endCase()
	f.caseCtx, f.endCase = context.WithCancel(context.Background())
	f.mu.Unlock()
	var active []*scenarios.Scenario
	f.retryAt = time.Time{}
	if t := c.Trouble; t != nil && t.RetryAt > 0 {
		// HTTP dates have whole seconds: rounded up, never sooner.
		f.retryAt = time.Now().Add(t.RetryAt + time.Second - 1).Truncate(time.Second)
		dated := *t
		dated.Header = map[string]string{"Retry-After": f.retryAt.UTC().Format(http.TimeFormat)}
		c.Trouble = &dated
	}
	if c.Trouble != nil || c.Sequence != nil {
		sc, err := troubleScenario(c, hold, f.director.Operations())
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		active = append(active, sc)
	}
	if err := f.director.Activate(active...); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	if err := f.srv.Journal().ResetContext(context.Background()); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	return nil
}

// journal returns what the fake recorded since arrange, once no request is
// being served (last: the case is over, and a request it still holds is
// let go first) (or after settle: a request still in flight then is not
// the case's): from the store's journal with Runner.Store.
func (f *fake) journal(last bool) ([]*mockserver.Entry, error) {
	if last {
		f.finishCase()
	}
	for deadline := time.Now().Add(settle); f.inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return f.srv.Journal().EntriesContext(context.Background(), mockserver.Filter{})
}

// finishCase lets go of the requests the case's fake still holds.
func (f *fake) finishCase() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endCase()
}

// track counts the requests inside the handler and ends each with its case.
func (f *fake) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		f.mu.Lock()
		caseCtx := f.caseCtx
		f.mu.Unlock()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		// The journal keeps the headers, not the Host: the judge checks it
		// against the base URL the call was given.
		r.Header.Set("Host", r.Host)
		stop := context.AfterFunc(caseCtx, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
