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

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/scenarios"
)

// fake is the one mockserver of a run, on a loopback port. Each case
// arranges its answer by activating a scenario in the fake's director
// (package mockserver/scripted): atomically, so a request sees the old
// arrangement or the new one, never half of each.
type fake struct {
	srv      *mockserver.Server
	director *scripted.Director
	hs       *http.Server
	url      string

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

func startFake(spec *openapi3.T, logger *slog.Logger) (*fake, error) {
	f := &fake{}
	f.caseCtx, f.endCase = context.WithCancel(context.Background())
	fake, err := scripted.NewServer(spec, scripted.Options{World: mockserver.StaticWorld{PhloID: {NodeID}}}, mockserver.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.srv, f.director = fake.API, fake.Director
	f.hs = &http.Server{Handler: f.track(fake.API), ReadHeaderTimeout: 5 * time.Second}
	f.url = "http://" + ln.Addr().String()
	go func() { _ = f.hs.Serve(ln) }()
	return f, nil
}

// close stops the fake. Close, not Shutdown: the run is over, and Shutdown
// would wait for connections a client keeps alive.
func (f *fake) close() {
	f.finishCase()
	_ = f.hs.Close()
}

// arrange activates the case's scenario (none: the contract answers) and
// empties the journal. hold is how long a Trouble.Hold answer is held.
func (f *fake) arrange(c Case, hold time.Duration) error {
	f.mu.Lock()
	f.endCase()
	f.caseCtx, f.endCase = context.WithCancel(context.Background())
	f.mu.Unlock()
	var active []*scenarios.Scenario
	if c.Trouble != nil {
		active = append(active, troubleScenario(c, c.Trouble, hold))
	}
	if err := f.director.Activate(active...); err != nil {
		return fmt.Errorf("case %s: %w", c.ID, err)
	}
	f.srv.Journal().Reset()
	return nil
}

// journal returns what the fake recorded since arrange, once no request is
// being served (or after settle: a request still in flight then is not
// the case's).
func (f *fake) journal() []*mockserver.Entry {
	f.finishCase()
	for deadline := time.Now().Add(settle); f.inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return f.srv.Journal().Entries(mockserver.Filter{})
}

// troubleScenario is the scenario of a case: one rule that answers the
// case's operation (and only it: the reads some SDKs make first are
// answered normally) with the trouble.
func troubleScenario(c Case, t *Trouble, hold time.Duration) *scenarios.Scenario {
	opID, action := specOperation(c.Operation)
	match := scenarios.Match{Operation: opID}
	if action != "" {
		match.Body = map[string]string{"action": action}
	}
	resp := &scenarios.Response{Status: t.Status, Headers: map[string]string{}, Drop: t.Drop || t.Hold}
	if t.Hold {
		resp.Delay = scenarios.Delay{Min: hold, Max: hold}
	}
	for k, v := range t.Header {
		resp.Headers[k] = v
	}
	// The fake sends a raw body as written: "" as an empty body (no
	// Content-Type), other text with the case's Content-Type.
	switch {
	case resp.Drop:
	case t.Body != nil:
		resp.Body, resp.BodyRaw = *t.Body, true
	default:
		resp.Body = map[string]any{"api_id": "{{api_id}}", "error": t.Error}
	}
	if t.ContentType != "" {
		resp.Headers["Content-Type"] = t.ContentType
	}
	return &scenarios.Scenario{
		Version: scenarios.Version,
		Name:    "certify " + c.ID,
		Rules:   []scenarios.Rule{{Name: c.ID, Match: match, Respond: resp}},
	}
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
		stop := context.AfterFunc(caseCtx, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
