package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
)

// DefaultTimeout bounds an exchange with the target when Options.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// DefaultKeep is the number of exchanges the drift report lists when
// Options.Keep is 0; its counts and groups cover every exchange.
const DefaultKeep = 200

// ErrInsecureTarget is wrapped by New's error for a plain-http target that
// is not a loopback address, unless Options.InsecureTarget.
var ErrInsecureTarget = errors.New("plain http to a host that is not loopback")

// Options configure a Proxy. Target and Fake are required; the zero value
// of every other field is a working default.
type Options struct {
	// Target is the API the requests go to: scheme, host and an optional
	// base path (https://phlorunner.plivo.com). No user or password: the
	// application's own credentials are forwarded.
	Target *url.URL
	// InsecureTarget allows plain http to a host that is not loopback:
	// the credentials would cross the network unencrypted.
	InsecureTarget bool
	// Fake validates each request and answer against the contract and
	// gives the answer the real one is compared with. It is only called
	// in-process; its journal is the proxy's (see Proxy).
	Fake *mockserver.Server
	// FakeAuthID and FakeAuthToken are credentials the fake accepts. When
	// the target accepted the application's credentials (any status but
	// 401), the fake is asked with these instead: it cannot know the real
	// account's token. Empty: mockserver.DefaultAuthID/DefaultAuthToken.
	FakeAuthID, FakeAuthToken string
	// Spec is the contract the fake serves, for the report's hints (which
	// operations document both 200 and 201). Nil: no such hint.
	Spec *openapi3.T
	// ActionStatus is the fake's mockserver.Options.ActionStatus, for the
	// report's hints. 0: 201.
	ActionStatus int
	// StrictIDs is the fake's mockserver.Options.StrictIDs, for the hints.
	StrictIDs bool
	// Transport sends the requests to the target. Nil: a transport like
	// http.DefaultTransport's, with no proxy from the environment and no
	// Accept-Encoding of its own.
	Transport http.RoundTripper
	// Timeout bounds each exchange with the target, answer included;
	// past it the application gets 504. 0: DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes is the largest request body forwarded; a larger one,
	// announced or chunked, is answered 413 and never reaches the target.
	// 0: mockserver.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxAnswerBytes is the most of an answer kept for the checks; the
	// application always gets all of it. 0: 1 MiB.
	MaxAnswerBytes int
	// Keep is the number of latest exchanges the drift report lists. 0:
	// DefaultKeep.
	Keep int
	// Record keeps what --record writes (Proxy.Recorded).
	Record bool
	// Stateful makes the fake's state move with the traffic, as it would
	// if the application talked to the fake: a stateful scenario's calls
	// follow the application's actions, and rules' counters (times,
	// sequence) count its requests. False: the fake is asked without
	// effect (mockserver.Server.Simulate), so its state stays as the
	// scenarios and the control plane set it.
	Stateful bool
	// Logger receives one line per exchange (never a header or a body)
	// and the cause of every 502 and 504. Nil: no logs.
	Logger *slog.Logger
}

// Proxy forwards the PHLO API's requests to a target, unchanged, and
// checks every exchange: the request and the answer against the contract,
// the answer against the fake's.
type Proxy struct {
	opts    Options
	rp      *httputil.ReverseProxy
	drift   *tracker
	rec     *recorder
	pending sync.WaitGroup
	hints   hinter
	// fakeAuth is the Authorization header of FakeAuthID and FakeAuthToken.
	fakeAuth []string
}

// New checks opts and returns a Proxy.
func New(opts Options) (*Proxy, error) {
	if opts.Fake == nil {
		return nil, errors.New("proxy: no fake (Options.Fake)")
	}
	if err := checkTarget(opts.Target, opts.InsecureTarget); err != nil {
		return nil, err
	}
	if opts.FakeAuthID == "" && opts.FakeAuthToken == "" {
		opts.FakeAuthID, opts.FakeAuthToken = mockserver.DefaultAuthID, mockserver.DefaultAuthToken
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = mockserver.DefaultMaxBodyBytes
	}
	if opts.MaxAnswerBytes <= 0 {
		opts.MaxAnswerBytes = 1 << 20
	}
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.ActionStatus == 0 {
		opts.ActionStatus = http.StatusCreated
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // the target is the target: no HTTP_PROXY detour
		// Ask for gzip only when the application does (and then pass
		// it through compressed): the target sees its Accept-Encoding.
		t.DisableCompression = true
		opts.Transport = t
	}
	p := &Proxy{opts: opts, drift: newTracker(opts.Keep), hints: newHinter(opts)}
	fake := &http.Request{Header: http.Header{}}
	fake.SetBasicAuth(opts.FakeAuthID, opts.FakeAuthToken)
	p.fakeAuth = fake.Header["Authorization"]
	if opts.Record {
		p.rec = &recorder{}
	}
	target := opts.Target
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// Rewrite drops the application's Forwarded and X-Forwarded-*
			// headers; they are its own, and go as sent.
			for _, k := range forwardedHeaders {
				if v, ok := pr.In.Header[k]; ok {
					pr.Out.Header[k] = v
				}
			}
		},
		Transport:  opts.Transport,
		BufferPool: copyBuffers{},
		// FlushInterval 0: an answer of unknown length (a stream) is
		// flushed as it comes anyway; one with a Content-Length at its end.
		ModifyResponse: p.capture,
		ErrorHandler:   p.failed,
		ErrorLog:       slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return p, nil
}

var forwardedHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

// checkTarget refuses a target that is not an absolute http(s) URL, that
// carries credentials, or that is plain http to a host that is not
// loopback (unless insecure).
func checkTarget(u *url.URL, insecure bool) error {
	switch {
	case u == nil:
		return errors.New("proxy: no target (Options.Target)")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return fmt.Errorf("proxy: target %q: want an absolute http or https URL", u.Redacted())
	case u.User != nil:
		return fmt.Errorf("proxy: target %q: no user or password in the URL: the application's own credentials are forwarded", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("proxy: target %q: no query or fragment", u.Redacted())
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		return fmt.Errorf("proxy: target %s: %w: the application's credentials would cross the network unencrypted (use https, or allow it explicitly)", u.Redacted(), ErrInsecureTarget)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// exchange is the state of one request through the proxy.
type exchange struct {
	start  time.Time
	status int
	header http.Header
	body   capture
	err    error // the target failed: the 502 or 504 sent
	sent   int   // the status the application got for err
}

type ctxKey struct{}

// ServeHTTP forwards r to the target and streams the answer back, then
// checks the exchange.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{start: time.Now()}
	raw, whole, err := readBody(r, p.opts.MaxBodyBytes)
	if err != nil {
		p.opts.Logger.Warn("proxy: the application's request body could not be read; nothing forwarded",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("cause", err.Error()))
		return // the application left: no one to answer
	}
	if !whole {
		// Refused before anything reaches the target, whatever the framing
		// (a Content-Length or chunks): as serve's --max-body. The rest of
		// the body is not read: the connection is closed after the answer.
		p.opts.Logger.Warn("proxy: request body over the limit; nothing forwarded",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int64("limit", p.opts.MaxBodyBytes))
		w.Header().Set("Connection", "close")
		mockserver.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", p.opts.MaxBodyBytes))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), ctxKey{}, x), p.opts.Timeout)
	defer cancel()
	out := r.WithContext(ctx)
	out.Body = io.NopCloser(bytes.NewReader(raw))
	if r.Body == nil || r.Body == http.NoBody {
		out.Body = r.Body
	}
	p.pending.Add(1)
	defer p.pending.Done()
	defer func() {
		// The answer broke off while streaming (the target dropped the
		// connection, or the timeout): the application's connection is cut
		// too, as the target's was; the exchange is still checked.
		v := recover()
		if v != nil && v != http.ErrAbortHandler {
			panic(v)
		}
		if v != nil && x.err == nil {
			x.err = errors.New("the answer broke off: " + context.Cause(ctx).Error())
			if ctx.Err() == nil {
				x.err = errors.New("the answer broke off while streaming")
			}
		}
		p.check(r, raw, x)
		if v != nil {
			panic(v)
		}
	}()
	p.rp.ServeHTTP(w, out)
}

// capture keeps the target's status and headers, and tees its body.
func (p *Proxy) capture(resp *http.Response) error {
	x, _ := resp.Request.Context().Value(ctxKey{}).(*exchange)
	if x == nil {
		return nil
	}
	// The header as the application gets it: the reverse proxy has taken
	// out the hop-by-hop headers, and only reads it from here on.
	x.status, x.header = resp.StatusCode, resp.Header
	x.body.limit = p.opts.MaxAnswerBytes
	resp.Body = &teeBody{ReadCloser: resp.Body, c: &x.body}
	return nil
}

// failed answers the application when the target did not: 504 for a
// timeout, 502 otherwise, as JSON in the fake's error shape.
func (p *Proxy) failed(w http.ResponseWriter, r *http.Request, err error) {
	x, _ := r.Context().Value(ctxKey{}).(*exchange)
	status, msg := http.StatusBadGateway, "Bad gateway: the target "+p.opts.Target.Redacted()+" did not answer: "+cause(err)+"."
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		status = http.StatusGatewayTimeout
		msg = fmt.Sprintf("Gateway timeout: the target %s did not answer within %s.", p.opts.Target.Redacted(), p.opts.Timeout)
	}
	if x != nil {
		x.err, x.sent = err, status
	}
	p.opts.Logger.Error("proxy: the target did not answer", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", status), slog.String("cause", cause(err)))
	mockserver.WriteError(w, status, msg)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cause words err without the request's URL, which *url.Error repeats.
func cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the connection was closed before an answer (" + err.Error() + ")"
	}
	return err.Error()
}

// copyBuffers are the buffers answers are streamed through: one per copy
// would be 32 KiB of garbage per exchange.
type copyBuffers struct{}

var copyPool = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func (copyBuffers) Get() []byte  { return copyPool.Get().(*[32 << 10]byte)[:] }
func (copyBuffers) Put(b []byte) { copyPool.Put((*[32 << 10]byte)(b)) }

// A capture holds the first limit bytes of an answer.
type capture struct {
	limit     int
	buf       bytes.Buffer
	truncated bool
}

func (c *capture) write(b []byte) {
	room := c.limit - c.buf.Len()
	if len(b) > room {
		b, c.truncated = b[:max(room, 0)], true
	}
	c.buf.Write(b)
}

type teeBody struct {
	io.ReadCloser
	c *capture
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.ReadCloser.Read(b)
	t.c.write(b[:n])
	return n, err
}

// Wait waits for the exchanges in flight to be checked.
func (p *Proxy) Wait() { p.pending.Wait() }

// check validates the exchange, asks the fake, and files the result.
func (p *Proxy) check(r *http.Request, raw []byte, x *exchange) {
	res := Exchange{Time: x.start.UTC(), Method: r.Method, Path: r.URL.Path, Status: x.status}
	authID, _, basic := r.BasicAuth()
	// The fake's copy: its own headers (the credentials may change), the
	// body as read.
	in := r.WithContext(context.Background())
	in.Header = make(http.Header, len(r.Header))
	for k, v := range r.Header {
		in.Header[k] = v // values are replaced, never changed in place
	}
	in.Body = io.NopCloser(bytes.NewReader(raw))
	in.ContentLength = int64(len(raw))
	if x.err != nil && x.status == 0 {
		res.Status, res.Error = x.sent, x.errText(p.opts)
		fe, _ := p.opts.Fake.Simulate(in) // for the operation and the request's violations
		res.Operation, res.RequestViolations = fe.OperationID, fe.Violations
		if p.rec != nil {
			p.rec.note(&res, "no answer to record: "+res.Error)
		}
		p.file(r, authID, fe, &res, nil, x)
		return
	}
	answer := x.body.buf.Bytes()
	if enc := x.header.Get("Content-Encoding"); strings.EqualFold(enc, "gzip") {
		if zr, err := gzip.NewReader(bytes.NewReader(answer)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil || x.body.truncated {
				answer = plain
			}
		}
	}
	if x.err != nil {
		res.Error = x.errText(p.opts)
	}
	// The fake's side: the credentials the target accepted become ones the
	// fake accepts.
	if basic && x.status != http.StatusUnauthorized {
		in.Header["Authorization"] = p.fakeAuth
	}
	simulate := p.opts.Fake.Simulate
	if p.opts.Stateful {
		simulate = p.opts.Fake.SimulateApplied
	}
	fe, fh := simulate(in)
	res.Operation = fe.OperationID
	res.FakeStatus = fe.Status
	switch {
	case x.body.truncated:
		res.RequestViolations = fe.Violations
		res.Unchecked = fmt.Sprintf("answer over %d bytes: forwarded, not checked", p.opts.MaxAnswerBytes)
		if p.rec != nil {
			p.rec.note(&res, res.Unchecked+", not recorded")
		}
	case res.Error != "":
		res.RequestViolations = fe.Violations
		if p.rec != nil {
			p.rec.note(&res, "no whole answer to record: "+res.Error)
		}
	default:
		if !fe.Valid {
			res.RequestViolations = fe.Violations
		}
		res.AnswerViolations = p.opts.Fake.CheckAnswerTo(fe, in, x.status, x.header, answer)
		real := Answer{Status: x.status, ContentType: x.header.Get("Content-Type"), Body: answer}
		fake := Answer{Status: fe.Status, ContentType: fh.Get("Content-Type"), Body: fe.Answer}
		if fe.Status == 0 {
			res.Unchecked = "the fake would have dropped the connection (a scenario's drop rule): not compared"
		} else {
			res.Drift = Diff(real, fake)
		}
		if p.rec != nil {
			secrets := p.opts.Fake.Credentials().RequestSecrets(r)
			p.rec.add(recorded{exchange: res, authID: authID, params: fe.PathParams, query: mockserver.Mask(r.URL.RawQuery, secrets),
				body: []byte(mockserver.Mask(string(raw), secrets)), answer: []byte(mockserver.Mask(string(answer), secrets)),
				contentType: real.ContentType, retryAfter: x.header.Get("Retry-After"), fakeAnswer: fe.Answer, valid: fe.Valid})
		}
	}
	p.file(r, authID, fe, &res, answer, x)
}

func (x *exchange) errText(o Options) string {
	if x.sent == http.StatusGatewayTimeout {
		return fmt.Sprintf("no answer within %s", o.Timeout)
	}
	return cause(x.err)
}

// file journals the exchange (the real answer, with every violation) in
// the fake's journal, adds it to the drift report and logs it.
func (p *Proxy) file(r *http.Request, authID string, fe *mockserver.Entry, res *Exchange, answer []byte, x *exchange) {
	res.Duration = time.Since(x.start)
	// No secret of the application's in what is kept or printed: an
	// upstream's error may quote its token (the report, the journal).
	secrets := p.opts.Fake.Credentials().RequestSecrets(r)
	maskExchange(res, secrets)
	e := *fe
	// The fake's entry has the headers redacted, with the credentials it
	// was asked with: the application's go in their place, redacted too.
	e.Header = fe.Header
	if auth, ok := r.Header["Authorization"]; ok {
		e.Header["Authorization"] = mockserver.RedactHeader(http.Header{"Authorization": auth})["Authorization"]
	} else {
		delete(e.Header, "Authorization")
	}
	e.AuthID = authID
	e.Status = res.Status
	e.Answer = bytes.TrimSuffix(answer, []byte("\n"))
	if answer == nil && res.Error != "" {
		e.Answer = nil
	}
	e.Source = "target"
	e.Scenario, e.Rule, e.CallSeq = "", "", 0
	e.Violations = append(append([]mockserver.Violation(nil), res.RequestViolations...), res.AnswerViolations...)
	e.Valid = fe.Valid
	e.Duration = res.Duration
	mockserver.MaskEntry(&e, secrets)
	p.opts.Fake.Journal().Add(&e)
	res.Seq = e.Seq
	p.drift.add(*res)
	p.opts.Logger.LogAttrs(context.Background(), slog.LevelInfo, "exchange",
		slog.String("method", res.Method), slog.String("path", res.Path), slog.String("operation", res.Operation),
		slog.Int("status", res.Status), slog.Int("fake_status", res.FakeStatus), slog.Int("differences", len(res.Drift)),
		slog.Int("violations", len(res.RequestViolations)+len(res.AnswerViolations)), slog.Duration("duration", res.Duration))
}
