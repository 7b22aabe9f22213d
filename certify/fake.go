package certify

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// fake is the one mockserver of a run, on a loopback port. Each case
// arranges its answer by activating a scenario (atomically: a request sees
// the old arrangement or the new one, never half of each).
type fake struct {
	srv    *mockserver.Server
	hs     *http.Server
	url    string
	active atomic.Pointer[arrangement]

	// inFlight counts requests inside the handler, so that a case reads the
	// journal only once every request it caused has been recorded.
	mu       sync.Mutex
	inFlight int
	idle     *sync.Cond
}

// arrangement is what one case makes the fake do.
type arrangement struct {
	engine *scenarios.Engine // nil: the contract answers
	// Rewrites of an error answer the fake cannot produce itself (it always
	// answers JSON): no body at all, or another Content-Type.
	emptyBody   bool
	contentType string
}

func startFake(spec *openapi3.T, logger *slog.Logger) (*fake, error) {
	f := &fake{}
	f.idle = sync.NewCond(&f.mu)
	f.active.Store(&arrangement{})
	srv, err := mockserver.New(spec, mockserver.Options{
		Responder: mockserver.ResponderFunc(f.respond),
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.srv = srv
	f.hs = &http.Server{Handler: f.track(srv), ReadHeaderTimeout: 5 * time.Second}
	f.url = "http://" + ln.Addr().String()
	go func() { _ = f.hs.Serve(ln) }()
	return f, nil
}

// close stops the fake. Close, not Shutdown: the run is over, and Shutdown
// would wait for connections a client keeps alive.
func (f *fake) close() { _ = f.hs.Close() }

// arrange activates the case's answers and empties the journal.
func (f *fake) arrange(c Case) error {
	a := &arrangement{}
	if t := c.Trouble; t != nil {
		engine, err := troubleEngine(c, t)
		if err != nil {
			return err
		}
		a.engine = engine
		a.emptyBody = t.Body != nil && *t.Body == ""
		a.contentType = t.ContentType
	}
	f.active.Store(a)
	f.srv.Journal().Reset()
	return nil
}

// journal returns what the fake recorded since arrange, once no request is
// being served.
func (f *fake) journal() []*mockserver.Entry {
	f.mu.Lock()
	for f.inFlight > 0 {
		f.idle.Wait()
	}
	f.mu.Unlock()
	return f.srv.Journal().Entries(mockserver.Filter{})
}

// troubleEngine compiles the scenario of a case: one rule that answers the
// case's operation (and only it) with the trouble.
func troubleEngine(c Case, t *Trouble) (*scenarios.Engine, error) {
	opID, action := specOperation(c.Operation)
	match := scenarios.Match{Operation: opID}
	if action != "" {
		match.Body = map[string]string{"action": action}
	}
	resp := &scenarios.Response{Status: t.Status, Headers: t.Header}
	switch {
	case t.Body != nil:
		resp.Body, resp.BodyRaw = *t.Body, true
	default:
		resp.Body = map[string]any{"api_id": "{{api_id}}", "error": t.Error}
	}
	sc := &scenarios.Scenario{
		Version: scenarios.Version,
		Name:    "certify " + c.ID,
		Rules:   []scenarios.Rule{{Name: c.ID, Match: match, Respond: resp}},
	}
	e, err := scenarios.Compile(sc)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", c.ID, err)
	}
	return e, nil
}

// respond serves the active scenario through mockserver's Responder seam.
func (f *fake) respond(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	e := f.active.Load().engine
	if e == nil {
		return nil, false
	}
	a, ok := e.Match(scenarios.Request{
		OperationID: ex.OperationID, Method: ex.Method, Path: ex.Path, PathParams: ex.PathParams,
		Body: ex.Body, Header: ex.Header, AuthID: ex.AuthID,
	})
	if !ok {
		return nil, false
	}
	out := &mockserver.Answer{Status: a.Status, Header: a.Header, Delay: a.Delay, Drop: a.Drop}
	if a.HasBody() {
		out.Body = a.Body(newAPIID())
		if out.Body == nil {
			out.Body = []byte{}
		}
	}
	return out, true
}

// track counts requests in the handler and applies the active
// arrangement's rewrites to error answers.
func (f *fake) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.inFlight++
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.inFlight--
			if f.inFlight == 0 {
				f.idle.Broadcast()
			}
			f.mu.Unlock()
		}()
		if a := f.active.Load(); a.emptyBody || a.contentType != "" {
			w = &rewriter{ResponseWriter: w, a: a}
		}
		next.ServeHTTP(w, r)
	})
}

// rewriter sends an error answer with no body, or with another
// Content-Type. The journal still records the body the fake meant to
// send: for an empty body that is "\n", which it records as "".
type rewriter struct {
	http.ResponseWriter
	a       *arrangement
	discard bool
}

func (w *rewriter) WriteHeader(status int) {
	if status >= 400 {
		if w.a.contentType != "" {
			w.Header().Set("Content-Type", w.a.contentType)
		}
		if w.a.emptyBody {
			w.Header().Del("Content-Type")
			w.Header().Set("Content-Length", strconv.Itoa(0))
			w.discard = true
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *rewriter) Write(b []byte) (int, error) {
	if w.discard {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *rewriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
