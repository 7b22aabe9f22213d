package mockserver

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

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
}

// DefaultMaxBodyBytes is the body limit when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Server is the fake PHLO runner: an http.Handler for the data plane, plus
// AdminHandler for the control plane.
type Server struct {
	opts    Options
	router  *router
	ops     map[*openapi3.Operation]*operation
	journal *Journal
	ready   atomic.Bool
	filter  *openapi3filter.Options
	handler http.Handler
	routes  []Route // sorted by path, then method
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
		journal: newJournal(opts.JournalSize, opts.JournalBodyLimit),
		filter: &openapi3filter.Options{
			MultiError:         true,
			ExcludeRequestBody: true, // decodeBody validates it, per discriminator
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	for path, item := range local.Paths.Map() {
		for method, op := range item.Operations() {
			o, err := compileOperation(&routers.Route{Spec: &local, Path: path, PathItem: item, Method: method, Operation: op}, opts.ActionStatus)
			if err != nil {
				return nil, fmt.Errorf("mockserver: %w", err)
			}
			s.ops[op] = o
			s.routes = append(s.routes, Route{OperationID: o.id, Method: o.method, Path: o.path})
		}
	}
	var err error
	if s.router, err = newRouter(slices.Collect(maps.Values(s.ops))); err != nil {
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
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// exchange is the state of one request along the pipeline.
type exchange struct {
	r     *http.Request
	entry *Entry
	op    *operation
	start time.Time
	// verbatim: the Responder's answer is sent as given, not checked
	// against the spec (Answer.Verbatim).
	verbatim bool
	// The accounts, world and responder of this request, from the Store
	// once for the whole request (nil ones replaced by the defaults).
	state State
	// simulated: Simulate runs the exchange; no delay, journal or log.
	simulated bool
}

// defaultAccounts are the accounts of a State without any.
var defaultAccounts Accounts = StaticAccounts{DefaultAuthID: DefaultAuthToken}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	x := &exchange{r: r, start: time.Now()}
	x.entry = &Entry{
		Time:     x.start.UTC(),
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   redactHeader(r.Header),
	}
	status, body, hdr := s.pipeline(w, x)
	if body == nil { // dropped
		return
	}
	s.finish(w, x, status, hdr, body)
}

// pipeline runs every step and returns the answer. A nil body means the
// connection was dropped.
func (s *Server) pipeline(w http.ResponseWriter, x *exchange) (int, []byte, http.Header) {
	r, e := x.r, x.entry

	// route
	op, params, rerr := s.route(r)
	if op != nil {
		x.op = op
		e.OperationID, e.PathParams = op.id, params
	}
	// read, even for a refused request: the journal keeps what was sent
	raw, readErr := readBody(r, s.opts.MaxBodyBytes)
	e.Body = string(raw)
	if !utf8.Valid(raw) {
		e.BodyBase64 = base64.StdEncoding.EncodeToString(raw)
	}
	if rerr != nil {
		return s.refused(x, rerr)
	}
	if readErr != nil {
		return s.refused(x, readErr)
	}

	// state: one view of the Store for the rest of the request
	st, err := s.opts.Store.State(r)
	if err != nil {
		return s.refused(x, refuse(CodeUnavailable, "The fake's state is unavailable: "+err.Error()+"."))
	}
	if st.Accounts == nil {
		st.Accounts = defaultAccounts
	}
	if st.World == nil {
		st.World = openWorld{}
	}
	x.state = st

	// auth
	id, token, hasAuth := r.BasicAuth()
	e.AuthID = id
	switch {
	case op.public:
	case !hasAuth:
		return s.refused(x, refuse(CodeUnauthorized, "Authentication credentials were not provided: use HTTP Basic auth with your Auth ID and Auth Token."))
	case !checkCredentials(x.state.Accounts, id, token):
		return s.refused(x, refuse(CodeUnauthorized, "Authentication failed: invalid Auth ID or Auth Token."))
	}

	// normalise and validate
	var decoded map[string]any
	var violations []Violation
	if op.body != nil {
		if len(bytes.TrimSpace(raw)) > 0 {
			note, err := checkContentType(r.Header.Get("Content-Type"), raw)
			if err != nil {
				return s.refused(x, err)
			}
			if note != "" {
				e.Lenient = append(e.Lenient, note)
			}
		}
		var notes []string
		decoded, notes, violations = decodeBody(op.body, e.Body)
		e.Lenient = append(e.Lenient, notes...)
	}
	if op.checkParams {
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: op.route, Options: s.filter}
		violations = append(requestViolations(openapi3filter.ValidateRequest(r.Context(), in)), violations...)
	}
	if len(violations) > 0 {
		return s.refused(x, &RequestError{Violations: violations})
	}
	e.Valid = true

	// exists
	if err := s.exists(x.state.World, params); err != nil {
		return s.refused(x, err)
	}

	// respond
	if x.state.Responder != nil {
		ex := &Exchange{
			OperationID: op.id, Method: r.Method, Path: r.URL.Path, PathParams: params,
			Query: r.URL.Query(), Header: r.Header, AuthID: id, Body: decoded, RawBody: raw,
		}
		a, ok, bug := respond(r.Context(), x.state.Responder, ex)
		if bug != nil {
			s.opts.Logger.Error("panic in the Responder", slog.Any("panic", bug), slog.String("path", r.URL.Path))
			return s.refused(x, refuse(CodeInternal, panicMessage(bug)))
		}
		if a != nil {
			e.ClosestRule = a.ClosestRule
		}
		if ok && a != nil {
			e.Source = "responder"
			e.Scenario, e.Rule, e.CallSeq = a.Scenario, a.Rule, a.CallSeq
			return s.answer(w, x, a)
		}
	}
	e.Source = "spec"
	apiID := NewAPIID()
	return op.success, s.defaultAnswer(x.state.World, op, params, apiID), nil
}

// respond calls the Responder, code of the user's or of a scenario engine. A
// panic in it is returned as bug, so that the request is answered with a 500
// and kept in the journal like any other; a panic anywhere else in the
// pipeline is the fake's own bug, left to the recoverer.
func respond(ctx context.Context, rs Responder, ex *Exchange) (a *Answer, ok bool, bug any) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a, ok, bug = nil, false, v
		}
	}()
	a, ok = rs.Respond(ctx, ex)
	return a, ok, nil
}

// panicMessage is the error text of a request a panic cut short, from the
// Responder (respond) or from the fake itself (recoverer).
func panicMessage(v any) string { return fmt.Sprintf("Internal error in phlomock: %v.", v) }

func (s *Server) route(r *http.Request) (*operation, map[string]string, *RequestError) {
	path := r.URL.Path
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	if op, params := s.router.find(r.Method, path); op != nil {
		return op, params, checkIDs(op, params, r.URL.Path)
	}
	var allow []string
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		if op, params := s.router.find(m, path); op != nil {
			// The 405 echoes the path: an id that names no resource
			// answers the 404 the right method would, never echoed.
			if re := checkIDs(op, params, r.URL.Path); re != nil {
				return nil, nil, re
			}
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		re := refuse(CodeMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s: use %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		re.allow = allow
		return nil, nil, re
	}
	msg := fmt.Sprintf("Resource not found: no operation for %s %s.", r.Method, r.URL.Path)
	miss := Closest(s.routes, r.Method, path)
	if near := nearMiss(miss); near != "" {
		msg += " Closest: " + near + "."
	}
	re := refuse(CodeNotFound, msg)
	re.closest = miss
	return nil, nil, re
}

// checkIDs refuses the path parameters of op that cannot name a resource
// (404), without echoing a bad one.
func checkIDs(op *operation, params map[string]string, path string) *RequestError {
	for _, name := range op.pathParams {
		if params[name] == "" { // no id names no resource
			return refuse(CodeNotFound, fmt.Sprintf("Resource not found: %s is empty in %s.", name, path))
		}
		if why := badID(name, params[name]); why != "" {
			return refuse(CodeNotFound, "Resource not found: "+why+".")
		}
	}
	return nil
}

// nearMiss describes miss for a 404's text when the request differs from
// it in one path segment (a typo, a missing "s"), segments neither missing
// nor extra: the route, then what differed. A request further away gets no
// suggestion in the text, where it would mislead more than help (the
// journal still names its closest route).
func nearMiss(miss *Miss) string {
	if miss == nil {
		return ""
	}
	segments := 0
	for _, d := range miss.Differences {
		if strings.HasPrefix(d, "segment ") {
			if !strings.Contains(d, ": got ") {
				return "" // a missing or extra segment
			}
			segments++
		}
	}
	if segments > 1 {
		return ""
	}
	near := fmt.Sprintf("%s %s (%s)", miss.Method, miss.Path, miss.OperationID)
	if len(miss.Differences) > 0 {
		near += ": " + strings.Join(miss.Differences, "; ")
	}
	return near
}

func readBody(r *http.Request, limit int64) ([]byte, *RequestError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, refuse(CodeBodyTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", limit))
	}
	var raw []byte
	var err error
	if n := r.ContentLength; n > 0 {
		// The declared length, read in one buffer; a body longer than it
		// was declared is still caught by the limit.
		raw, err = readAllInto(make([]byte, 0, n+1), r.Body, limit+1)
	} else {
		raw, err = readAllInto(nil, r.Body, limit+1)
	}
	if int64(len(raw)) > limit {
		return raw[:limit], refuse(CodeBodyTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", limit))
	}
	if err != nil {
		return raw, refuse(CodeMalformedBody, "Invalid value provided for body. The body could not be read: "+err.Error()+".")
	}
	return raw, nil
}

// checkContentType accepts application/json. It tolerates what curl -d
// sends (application/x-www-form-urlencoded) and no Content-Type at all when
// the body is JSON, returning a note for the journal.
func checkContentType(ct string, raw []byte) (string, *RequestError) {
	if ct == "application/json" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	switch {
	case err == nil && mt == "application/json":
		return "", nil
	case err == nil && (mt == "" || mt == "application/x-www-form-urlencoded") && looksJSON(raw):
		return fmt.Sprintf("Content-Type %q with a JSON body read as application/json", ct), nil
	}
	if ct == "" {
		return "", refuse(CodeMediaType, "No Content-Type, and the body is not JSON: send the body as application/json.")
	}
	return "", refuse(CodeMediaType, fmt.Sprintf("Unsupported Content-Type %q: send the body as application/json.", ct))
}

func looksJSON(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '{' || t[0] == '"' || t[0] == '[')
}

func (s *Server) exists(world World, params map[string]string) *RequestError {
	if !s.opts.StrictIDs {
		return nil
	}
	phlo, hasPhlo := params["phlo_id"]
	if !hasPhlo {
		return nil
	}
	if _, ok := world.Phlo(phlo); !ok {
		return refuse(CodeNotFound, fmt.Sprintf("PHLO %s not found.", phlo))
	}
	if node, ok := params["node_id"]; ok {
		if _, ok := world.Node(phlo, node); !ok {
			return refuse(CodeNotFound, fmt.Sprintf("Node %s not found in PHLO %s.", node, phlo))
		}
	}
	return nil
}

func (s *Server) refused(x *exchange, re *RequestError) (int, []byte, http.Header) {
	x.entry.Violations = re.Violations
	x.entry.Source = "error"
	status := re.Status()
	if x.op == nil && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) {
		x.entry.Closest = re.closest
		if x.entry.Closest == nil {
			x.entry.Closest = Closest(s.routes, x.r.Method, x.r.URL.Path)
		}
	}
	var h http.Header
	switch status {
	case http.StatusMethodNotAllowed:
		h = http.Header{"Allow": {strings.Join(re.allow, ", ")}}
	case http.StatusUnauthorized:
		h = http.Header{"Www-Authenticate": {`Basic realm="phlomock"`}}
	}
	return status, errorBody(NewAPIID(), re.Error()), h
}

// contentTypeJSON is the Content-Type of every answer, shared by all of
// them (net/http only reads it); a capacity of 1 makes an append copy it.
var contentTypeJSON = []string{"application/json"}

// readAllInto appends what r holds to buf, up to limit bytes, like
// io.ReadAll(io.LimitReader(r, limit)) without the reader and with the
// caller's buffer.
func readAllInto(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	if buf == nil {
		buf = make([]byte, 0, 512)
	}
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):cap(buf)]
		if left := limit - int64(len(buf)); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func errorBody(apiID, msg string) []byte {
	b := make([]byte, 0, 64+len(msg))
	b = append(b, `{"api_id":"`...)
	b = append(b, apiID...)
	b = append(b, `","error":`...)
	b = appendJSONString(b, msg)
	return append(b, "}\n"...)
}

func (s *Server) answer(w http.ResponseWriter, x *exchange, a *Answer) (int, []byte, http.Header) {
	if a.Delay > 0 && !x.simulated {
		t := time.NewTimer(a.Delay)
		select {
		case <-t.C:
		case <-x.r.Context().Done():
			t.Stop()
		}
	}
	if a.Drop {
		x.entry.Status = 0
		s.record(x)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return 0, nil, nil
		}
		panic(http.ErrAbortHandler)
	}
	x.verbatim = a.Verbatim
	status := a.Status
	if status == 0 {
		status = x.op.success
	}
	body := a.Body
	switch {
	case len(body) == 0 && body != nil:
		// An empty body is sent empty, not as a newline.
	case body != nil:
		if body[len(body)-1] != '\n' {
			body = append(body[:len(body):len(body)], '\n')
		}
	case status >= 200 && status < 300:
		body = s.defaultAnswer(x.state.World, x.op, x.entry.PathParams, NewAPIID())
	default:
		body = errorBody(NewAPIID(), http.StatusText(status))
	}
	return status, body, a.Header
}

func (s *Server) finish(w http.ResponseWriter, x *exchange, status int, hdr http.Header, body []byte) {
	if s.opts.ValidateResponses && x.op != nil && !x.verbatim {
		if err := s.checkAnswer(x, status, body); err != nil {
			x.entry.Violations = append(x.entry.Violations, Violation{Code: CodeBadAnswer, Message: err.Error()})
			status, hdr = CodeBadAnswer.Status(), nil
			body = errorBody(NewAPIID(), "The fake's answer breaks the contract: "+err.Error())
		}
	}
	h := w.Header()
	for k, v := range hdr {
		h[k] = v
	}
	// The answer's own Content-Type wins; an empty body has none.
	if _, ok := hdr["Content-Type"]; !ok && len(body) > 0 {
		h["Content-Type"] = contentTypeJSON[:1:1]
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	if x.r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	x.entry.Status = status
	x.entry.Answer = bytes.TrimSuffix(body, []byte("\n"))
	s.record(x)
}

func (s *Server) record(x *exchange) {
	if x.simulated {
		return
	}
	x.entry.Duration = time.Since(x.start)
	s.journal.add(x.entry)
	e := x.entry
	if !s.opts.Logger.Enabled(x.r.Context(), slog.LevelInfo) {
		return // no record to build: the level filters it out
	}
	s.opts.Logger.LogAttrs(x.r.Context(), slog.LevelInfo, "request",
		slog.String("method", e.Method), slog.String("path", e.Path),
		slog.String("operation", e.OperationID), slog.Int("status", e.Status),
		slog.String("source", e.Source), slog.Duration("duration", e.Duration))
}

func (s *Server) checkAnswer(x *exchange, status int, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: x.r, PathParams: x.entry.PathParams, Route: x.op.route,
		},
		Status: status,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader(body)),
		// An undocumented success is a bug; undocumented error statuses (405,
		// 413, 415) are the HTTP layer's and always carry the Error shape.
		Options: &openapi3filter.Options{IncludeResponseStatus: status < 300, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
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
