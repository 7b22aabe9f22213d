package mockserver

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Options configure a Server. The zero value is a working fake: the default
// account, every well-formed id exists, actions answer 201.
type Options struct {
	// Store gives each request its accounts, world and Responder (see
	// State for what a nil one of them means). Nil: State{}, the default
	// account, every id exists with default names, the spec answers.
	Store Store
	// StrictIDs makes PHLOs and nodes the World does not declare answer 404.
	StrictIDs bool
	// ActionStatus is the success status of operations that document both
	// 200 and 201 (the node and member actions): 201 (the docs, default) or
	// 200 (the seed's saved response).
	ActionStatus int
	// MaxBodyBytes bounds request bodies (413 above). 0: 1 MiB.
	MaxBodyBytes int64
	// ValidateResponses checks every answer against the spec; an answer
	// that breaks it is replaced by a 500 naming the violation. A
	// Responder's Verbatim answer (a scenario rule's: the user's explicit
	// choice, e.g. a non-JSON error for a client's error path) is sent as
	// given.
	ValidateResponses bool
	// JournalSize is the number of exchanges kept. 0: DefaultJournalSize.
	JournalSize int
	// JournalBodyLimit is the most bytes of a request body, and of an
	// answer, a journal entry keeps (the rest is counted, not kept).
	// 0: DefaultJournalBodyLimit; negative: whole bodies.
	JournalBodyLimit int
	// Logger receives one line per exchange. Nil: no logs.
	Logger *slog.Logger
	// AnswerExamples answers a request with its success response's
	// media-type example (else the first of its examples, by name) when the
	// spec gives one, instead of a body generated from the schema. For
	// specs other than the PHLO runner contract, whose examples are the
	// Postman collection's saved responses with fixed api_ids.
	AnswerExamples bool
	// APIToken is the bearer token (http bearer, oauth2, openIdConnect
	// schemes) or API key (apiKey schemes) that operations secured so
	// accept. Empty: any non-empty one. HTTP Basic checks the accounts.
	APIToken string
	// Observer, when set, is told of every exchange once it is answered
	// and journaled (package mockserver/metrics counts them for
	// Prometheus). Nil: nobody is told.
	Observer Observer
	// Secrets are masked inside every text the journal keeps (a body, an
	// answer), whatever the request carries: the account's token and its
	// Basic value (the documented default token is no secret). The
	// request's own credentials are masked too, always.
	Secrets []string
	// Site is what the control plane accepts beyond its own names and
	// origin (crosssite.go): its zero value, loopback names and IP
	// addresses, and changes from its own origin only.
	Site SiteCheck
}

// An Observer is told of every exchange the fake answers, but Simulate's.
// Observe runs on the request's goroutine, after the answer is written: it
// must be quick (counter updates) and safe for concurrent use. e is the
// journal's entry: read it during the call, do not modify or keep it.
type Observer interface {
	Observe(e *Entry)
}

// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Server is the fake PHLO runner: an http.Handler for the data plane, plus
// AdminHandler for the control plane.
type Server struct {
	opts    Options
	router  *router
	ops     map[*openapi3.Operation]*operation
	byID    map[string]*operation // the operations with an id (CheckAnswerTo)
	journal *Journal
	ready   atomic.Bool
	why     atomic.Pointer[string] // what /readyz says while not ready
	filter  *openapi3filter.Options
	handler http.Handler
	routes  []Route // sorted by path, then method
	// creds are where the spec's schemes carry secrets (secrets.go).
	creds Credentials
	// controlPlane is where the control plane is (SetControlPlane), for
	// the 404 of its paths sent to the API's port; nil: not said.
	controlPlane atomic.Pointer[string]
}

// New builds a fake serving every operation of doc. doc is not modified,
// nor validated again: load it with openapi.Load or openapi.Parse.
func New(doc *openapi3.T, opts Options) (*Server, error) {
	if doc == nil {
		return nil, errors.New("mockserver: nil spec")
	}
	if opts.Store == nil {
		opts.Store = State{}
	}
	if opts.ActionStatus == 0 {
		opts.ActionStatus = http.StatusCreated
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// Route on paths alone: the fake answers on whatever host it listens.
	local := *doc
	local.Servers = nil
	s := &Server{
		opts:    opts,
		ops:     map[*openapi3.Operation]*operation{},
		byID:    map[string]*operation{},
		journal: newJournal(opts.JournalSize, opts.JournalBodyLimit),
		filter: &openapi3filter.Options{
			MultiError:         true,
			ExcludeRequestBody: true, // decodeBody validates it, per discriminator
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	s.creds = SpecCredentials(doc)
	for _, sec := range opts.Secrets {
		if len(sec) >= minSecret {
			s.creds.Static = append(s.creds.Static, sec)
		}
	}
	s.journal.creds = s.creds
	for path, item := range local.Paths.Map() {
		for method, op := range item.Operations() {
			o, err := compileOperation(&routers.Route{Spec: &local, Path: path, PathItem: item, Method: method, Operation: op}, opts.ActionStatus, opts.AnswerExamples)
			if err != nil {
				return nil, fmt.Errorf("mockserver: %w", err)
			}
			s.ops[op] = o
			if o.id != "" {
				s.byID[o.id] = o
			}
			s.routes = append(s.routes, Route{OperationID: o.id, Method: o.method, Path: o.path})
		}
	}
	var err error
	if s.router, err = newRouter(slices.Collect(maps.Values(s.ops)), &s.journal.params); err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	slices.SortFunc(s.routes, func(a, b Route) int { return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method)) })
	s.handler = s.recoverer(http.HandlerFunc(s.serve))
	s.ready.Store(true)
	return s, nil
}

// ServeHTTP serves the data plane: the PHLO runner API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists the operations the fake serves, sorted by path then method.
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }

// Journal returns the journal of exchanges.
func (s *Server) Journal() *Journal { return s.journal }

// SetReady sets what /readyz reports: a server shutting down is not ready.
func (s *Server) SetReady(ready bool) {
	if !ready {
		s.SetUnready("shutting down")
		return
	}
	s.ready.Store(true)
}

// SetUnready makes /readyz answer 503 with status why ("shutting down",
// "store unreachable: ..."), so whoever reads it learns the reason.
func (s *Server) SetUnready(why string) {
	s.why.Store(&why)
	s.ready.Store(false)
}

// Ready reports what /readyz reports.
func (s *Server) Ready() bool { return s.ready.Load() }

// request is one request on its way through the pipeline: what each step
// found, for the steps after it and for the journal entry.
type request struct {
	r     *http.Request
	entry *Entry
	start time.Time
	// route: the operation and its path parameters (nil when none matched)
	op     *operation
	params map[string]string
	// body: exactly what was sent
	raw []byte
	// state: the accounts, world and Responder of the whole request, from
	// Options.Store once (nil ones replaced by the defaults)
	state State
	// validate: the decoded body after normalisation, nil when none
	decoded map[string]any
	// respond: the Responder's answer is sent as given, not checked
	// against the spec (Answer.Verbatim)
	verbatim bool
	// simulated: Simulate runs the request (simulate.go): no delay,
	// journal or log; dryRun: nor any change of the Responder's state
	// (Exchange.DryRun)
	simulated, dryRun bool
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	x := &request{r: r, start: time.Now()}
	x.entry = &Entry{
		Time:     x.start.UTC(),
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   s.journal.header(r.Header), // shared: read-only
	}
	status, body, hdr := s.pipeline(w, x)
	if body == nil { // dropped
		return
	}
	s.finish(w, x, status, hdr, body) // finish.go
}

// pipeline runs the steps of one request, in order, each in the file named
// after it, and returns the answer; serve then hands it to finish
// (finish.go), which checks, writes and journals it. A step that refuses
// the request ends it with its error answer (refused, render.go). A nil
// body means the connection was dropped.
func (s *Server) pipeline(w http.ResponseWriter, x *request) (int, []byte, http.Header) {
	refusal := s.route(x)                // route.go
	if re := s.body(x); refusal == nil { // body.go: read even when refused, for the journal
		refusal = re
	}
	if refusal != nil {
		return s.refused(x, refusal)
	}
	if re := s.state(x); re != nil { // state.go
		return s.refused(x, re)
	}
	if re := s.auth(x); re != nil { // auth.go
		return s.refused(x, re)
	}
	if re := s.validate(x); re != nil { // validate.go
		return s.refused(x, re)
	}
	if re := s.world(x); re != nil { // world.go
		return s.refused(x, re)
	}
	a, re := s.respond(x) // respond.go
	switch {
	case re != nil:
		return s.refused(x, re)
	case a != nil:
		return s.answer(w, x, a)
	}
	return s.render(x) // render.go
}

// recoverer turns a panic into a 500 JSON answer: the fake never answers
// with a bare connection reset because of its own bug.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.opts.Logger.Error("panic", slog.Any("panic", v), slog.String("path", r.URL.Path))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(errorBody(NewAPIID(), panicMessage(v)))
		}()
		next.ServeHTTP(w, r)
	})
}
