package driver_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/sdktest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The drivers in certify/drivers, started through this package against a
// capture server that answers like the real API. What each SDK sends and
// surfaces is kept in testdata/sdk/NAME.golden (go test -update rewrites
// it), and the SDKs' known defects are asserted by name below: these are
// what the certification must find.

const (
	authID    = "MAPHLOMOCKDEFAULT001"
	authToken = "phlomock-default-auth-token"
	phloID    = "3f6d2c9e-5c1a-4c4e-9b7e-2a3c4d5e6f70"
	nodeID    = "7a1b2c3d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"
	createdOn = "2020-08-01 09:05:11.846982+00:00"
)

// answer is one canned HTTP response.
type answer struct {
	status      int
	contentType string
	body        string
}

func jsonAnswer(status int, body string) *answer {
	return &answer{status: status, contentType: "application/json", body: body}
}

// exchange is one request the capture server received.
type exchange struct {
	Method      string
	RequestURI  string
	ContentType string
	Body        string
}

// captureServer records every request and answers like the PHLO runner
// API, except that requests of method failMethod get fail instead.
type captureServer struct {
	*httptest.Server
	mu         sync.Mutex
	journal    []exchange
	fail       *answer
	failMethod string
}

var (
	runPath    = regexp.MustCompile(`^/v1/account/[^/]+/phlo/([^/]+)/?$`)
	phloPath   = regexp.MustCompile(`^/v1/phlo/([^/]+)/?$`)
	nodePath   = regexp.MustCompile(`^/v1/phlo/([^/]+)/multi_party_call/([^/]+)/?$`)
	memberPath = regexp.MustCompile(`^/v1/phlo/([^/]+)/multi_party_call/([^/]+)/members/([^/]+)/?$`)
)

func newCaptureServer(tb testing.TB) *captureServer {
	tb.Helper()
	s := &captureServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *captureServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.journal = append(s.journal, exchange{Method: r.Method, RequestURI: r.RequestURI, ContentType: r.Header.Get("Content-Type"), Body: string(body)})
	a := s.fail
	if r.Method != s.failMethod {
		a = nil
	}
	s.mu.Unlock()
	if a == nil {
		a = route(r)
	}
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// route answers as the documented API does.
func route(r *http.Request) *answer {
	p := r.URL.Path
	switch m := (match{}); {
	case r.Method == http.MethodPost && m.of(runPath, p):
		return jsonAnswer(201, fmt.Sprintf(`{"api_id":"b3f1a8a4-0c2d-4a55-9d57-1e8f0c6b2a10","phlo_id":%q,"phlo_run_id":"b3f1a8a4-0c2d-4a55-9d57-1e8f0c6b2a10","message":"b'Start' node executed"}`, m[1]))
	case r.Method == http.MethodGet && m.of(phloPath, p):
		return jsonAnswer(200, fmt.Sprintf(`{"api_id":"1c5f9a3e-7b2d-4e8a-9f6c-0d1e2f3a4b5c","phlo_id":%q,"name":"Cold transfer","created_on":%q}`, m[1], createdOn))
	case r.Method == http.MethodGet && m.of(nodePath, p):
		return jsonAnswer(200, fmt.Sprintf(`{"api_id":"2d6a0b4f-8c3e-4f9b-a07d-1e2f3a4b5c6d","node_id":%q,"phlo_id":%q,"name":"Multi-Party Call_1","node_type":"multi_party_call","created_on":%q}`, m[2], m[1], createdOn))
	case r.Method == http.MethodPost && (m.of(nodePath, p) || m.of(memberPath, p)):
		return jsonAnswer(201, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`)
	}
	return jsonAnswer(404, `{"api_id":"9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a","error":"not found"}`)
}

type match []string

func (m *match) of(re *regexp.Regexp, s string) bool {
	*m = re.FindStringSubmatch(s)
	return *m != nil
}

func (s *captureServer) reset(failMethod string, fail *answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal, s.fail, s.failMethod = nil, fail, failMethod
}

func (s *captureServer) requests() []exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]exchange(nil), s.journal...)
}

// sdkCase is one call made through every driver.
type sdkCase struct {
	name       string
	op         string
	params     driver.Params
	failMethod string
	fail       *answer
}

func sdkCases() []sdkCase {
	node := driver.Params{PhloID: phloID, NodeID: nodeID}
	transfer := func(role string) driver.Params {
		p := node
		p.To, p.Role, p.TriggerSource = "+14152225555", role, "+14152223333"
		return p
	}
	member := func(addr string) driver.Params {
		p := node
		p.MemberAddress = addr
		return p
	}
	cold := func(name string, a *answer) sdkCase {
		return sdkCase{name: "coldTransfer/" + name, op: driver.OpColdTransfer, params: transfer("agent"), failMethod: http.MethodPost, fail: a}
	}
	return []sdkCase{
		{name: "getPhlo/ok", op: driver.OpGetPhlo, params: driver.Params{PhloID: phloID}},
		{name: "getMultiPartyCall/ok", op: driver.OpGetMultiPartyCall, params: node},
		{name: "runPhlo/no-payload", op: driver.OpRunPhlo, params: driver.Params{PhloID: phloID}},
		{name: "runPhlo/payload", op: driver.OpRunPhlo, params: driver.Params{PhloID: phloID, Payload: map[string]string{"from": "+14152223333", "to": "+14152225555"}}},
		{name: "call/customer", op: driver.OpCall, params: transfer("customer")},
		{name: "warmTransfer/no-role", op: driver.OpWarmTransfer, params: transfer("")},
		{name: "coldTransfer/ok", op: driver.OpColdTransfer, params: transfer("agent")},
		{name: "abortTransfer/ok", op: driver.OpAbortTransfer, params: member("+14152223333")},
		{name: "hold/sip", op: driver.OpHold, params: member("sip:alice123@phone.plivo.com")},
		{name: "unhold/ok", op: driver.OpUnhold, params: member("+14152223333")},
		{name: "hangup/ok", op: driver.OpHangup, params: member("+14152223333")},
		{name: "resumeCall/ok", op: driver.OpResumeCall, params: member("+14152223333")},
		{name: "voicemailDrop/ok", op: driver.OpVoicemailDrop, params: member("+14152223333")},
		{name: "getPhlo/404", op: driver.OpGetPhlo, params: driver.Params{PhloID: phloID}, failMethod: http.MethodGet,
			fail: jsonAnswer(404, `{"api_id":"4b3a2918-0f1e-4d2c-8b7a-695847362514","error":"PHLO not found"}`)},
		cold("400", jsonAnswer(400, `{"api_id":"5a2f7c1e-3d4b-4e6f-8a9b-0c1d2e3f4a5b","error":"Invalid value provided for role."}`)),
		cold("401", jsonAnswer(401, `{"api_id":"6b3a8d2f-4e5c-4f7a-9bac-1d2e3f4a5b6c","error":"Authentication failed"}`)),
		cold("404", jsonAnswer(404, `{"api_id":"7c4b9e3a-5f6d-4a8b-8cbd-2e3f4a5b6c7d","error":"not found"}`)),
		cold("404-empty-object", jsonAnswer(404, `{}`)),
		cold("429", jsonAnswer(429, `{"api_id":"8d5cae4b-6a7e-4b9c-9dce-3f4a5b6c7d8e","error":"too many requests"}`)),
		cold("500", jsonAnswer(500, `{"api_id":"9e6dbf5c-7b8f-4cad-aedf-4a5b6c7d8e9f","error":"internal server error"}`)),
		cold("400-empty-body", &answer{status: 400}),
		cold("502-text", &answer{status: 502, contentType: "text/plain", body: "bad gateway"}),
		cold("201-not-json", &answer{status: 201, contentType: "application/json", body: "not json"}),
	}
}

// record is what one case showed: the requests the SDK sent and the
// driver's report.
type record struct {
	requests []exchange
	result   driver.Result
}

// timing is measured, logged and reported, never asserted.
type timing struct {
	startup time.Duration
	calls   int
	total   time.Duration
}

// runDriver runs every case through one driver process.
func runDriver(t *testing.T, command, dir string) (driver.HelloInfo, map[string]record, timing) {
	t.Helper()
	srv := newCaptureServer(t)
	var tm timing
	begin := time.Now()
	d, err := driver.Start(context.Background(), command, driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second})
	require.NoError(t, err)
	tm.startup = time.Since(begin)
	defer func() { assert.NoError(t, d.Close(), "the driver exits cleanly after bye") }()

	records := map[string]record{}
	for _, c := range sdkCases() {
		srv.reset(c.failMethod, c.fail)
		begin := time.Now()
		r, err := d.Call(context.Background(), driver.CallMessage{
			ID: c.name, Operation: c.op, BaseURL: srv.URL, AuthID: authID, AuthToken: authToken, Params: c.params,
		})
		tm.total += time.Since(begin)
		tm.calls++
		require.NoError(t, err, c.name)
		records[c.name] = record{requests: srv.requests(), result: r}
	}
	t.Logf("%s: start-up and hello %s, %d calls, %s per call on average",
		d.Hello().Client, tm.startup.Round(time.Millisecond), tm.calls, (tm.total / time.Duration(tm.calls)).Round(time.Microsecond))
	return d.Hello(), records, tm
}

// checkGolden compares what the driver showed with testdata/sdk/NAME.golden.
func checkGolden(t *testing.T, name string, hello driver.HelloInfo, records map[string]record) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# What %s %s sends and surfaces; go test ./certify/driver -update rewrites this file.\n", hello.Client, hello.Version)
	fmt.Fprintf(&b, "operations: %s\n", strings.Join(hello.Operations, " "))
	for _, c := range sdkCases() {
		r := records[c.name]
		fmt.Fprintf(&b, "\n== %s\n", c.name)
		if c.fail != nil {
			fmt.Fprintf(&b, "server: every %s answers %d %q\n", c.failMethod, c.fail.status, c.fail.body)
		}
		if len(r.requests) == 0 {
			b.WriteString("(nothing sent)\n")
		}
		for _, x := range r.requests {
			fmt.Fprintf(&b, ">> %s %s\n   content-type: %q body: %q\n", x.Method, x.RequestURI, x.ContentType, x.Body)
		}
		res, _ := json.Marshal(r.result)
		fmt.Fprintf(&b, "<< %s\n", res)
	}
	path := filepath.Join("testdata", "sdk", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test -update writes it")
	assert.Equal(t, string(want), b.String(), "got (right) differs from %s (left); -update rewrites it after review", path)
}

func TestPlivoGoDriver(t *testing.T) {
	sdktest.SkipShort(t)
	command, dir := sdktest.PlivoGo(t)
	hello, got, _ := runDriver(t, command, dir)
	checkGolden(t, "plivo-go", hello, got)

	assert.Equal(t, driver.HelloInfo{Type: "hello", Protocol: 2, Client: "plivo-go", Version: "7.60.2", Operations: driver.Operations}, hello)
	t.Run("fetches the PHLO and the node before an action", func(t *testing.T) {
		reqs := got["hold/sip"].requests
		require.Len(t, reqs, 3)
		assert.Equal(t, "GET /v1/phlo/"+phloID, reqs[0].Method+" "+reqs[0].RequestURI)
		assert.Equal(t, "GET /v1/phlo/"+phloID+"/multi_party_call/"+nodeID, reqs[1].Method+" "+reqs[1].RequestURI)
		assert.Equal(t, "POST /v1/phlo/"+phloID+"/multi_party_call/"+nodeID+"/members/sip:alice123@phone.plivo.com", reqs[2].Method+" "+reqs[2].RequestURI)
		assert.Equal(t, `{"action":"hold"}`+"\n", reqs[2].Body)
	})
	t.Run(`sends "role":"" when no role is given`, func(t *testing.T) {
		reqs := got["warmTransfer/no-role"].requests
		require.Len(t, reqs, 3)
		assert.Equal(t, `{"action":"warm_transfer","to":"+14152225555","role":"","trigger_source":"+14152223333"}`+"\n", reqs[2].Body)
	})
	t.Run("reports success for a non-2xx with an empty body", func(t *testing.T) {
		r := got["coldTransfer/400-empty-body"].result
		assert.Equal(t, driver.OutcomeSuccess, r.Outcome)
		assert.Equal(t, map[string]string{"api_id": "", "error": ""}, r.Fields)
	})
	t.Run("returns the raw body as the error and no status", func(t *testing.T) {
		r := got["coldTransfer/401"].result
		assert.Equal(t, &driver.ClientError{Status: 0, Message: `{"api_id":"6b3a8d2f-4e5c-4f7a-9bac-1d2e3f4a5b6c","error":"Authentication failed"}`}, r.Error)
		r = got["coldTransfer/404-empty-object"].result
		assert.Equal(t, &driver.ClientError{Status: 0, Message: "Resource not found exception \n404 Not Found"}, r.Error)
	})
	t.Run("runs without data with an empty body, on a path with a trailing slash", func(t *testing.T) {
		reqs := got["runPhlo/no-payload"].requests
		require.Len(t, reqs, 2)
		assert.Equal(t, exchange{Method: "POST", RequestURI: "/v1/account/" + authID + "/phlo/" + phloID + "/", ContentType: "application/json"}, reqs[1])
	})
}

func TestPlivoNodeDriver(t *testing.T) {
	sdktest.SkipShort(t)
	command, dir := sdktest.PlivoNode(t)
	hello, got, _ := runDriver(t, command, dir)
	checkGolden(t, "plivo-node", hello, got)

	assert.Equal(t, driver.HelloInfo{Type: "hello", Protocol: 2, Client: "plivo-node", Version: "4.79.0", Operations: driver.Operations}, hello)
	t.Run("getMultiPartyCall throws before sending", func(t *testing.T) {
		rec := got["getMultiPartyCall/ok"]
		assert.Empty(t, rec.requests)
		assert.Equal(t, &driver.ClientError{Status: 0, Message: "action is not defined"}, rec.result.Error)
	})
	for _, name := range []string{"hold/sip", "unhold/ok", "hangup/ok", "resumeCall/ok", "voicemailDrop/ok"} {
		t.Run(name+" throws before sending", func(t *testing.T) {
			rec := got[name]
			assert.Empty(t, rec.requests)
			assert.Equal(t, &driver.ClientError{Status: 0, Message: "client is not a function"}, rec.result.Error)
		})
	}
	t.Run(`sends "role":"agent" when no role is given`, func(t *testing.T) {
		reqs := got["warmTransfer/no-role"].requests
		require.Len(t, reqs, 1)
		assert.Equal(t, `{"action":"warm_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`, reqs[0].Body)
	})
	t.Run("exposes status, message and api_id of an error", func(t *testing.T) {
		assert.Equal(t, &driver.ClientError{Status: 400, Message: "Invalid value provided for role.", APIID: "5a2f7c1e-3d4b-4e6f-8a9b-0c1d2e3f4a5b"}, got["coldTransfer/400"].result.Error)
	})
	t.Run("gets a PHLO with a trailing slash and a query", func(t *testing.T) {
		reqs := got["getPhlo/ok"].requests
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v1/phlo/"+phloID+"/?phlo_id="+phloID, reqs[0].RequestURI)
	})
	t.Run(`runs without data with the body ""`, func(t *testing.T) {
		reqs := got["runPhlo/no-payload"].requests
		require.Len(t, reqs, 1)
		assert.Equal(t, `""`, reqs[0].Body)
	})
}

func TestPythonDriver(t *testing.T) {
	sdktest.SkipShort(t)
	command, dir := sdktest.Python(t)
	hello, got, _ := runDriver(t, command, dir)
	checkGolden(t, "python", hello, got)

	assert.Equal(t, driver.Operations, hello.Operations)
	t.Run("every call succeeds with one request", func(t *testing.T) {
		for _, c := range sdkCases() {
			if c.fail != nil {
				continue
			}
			assert.Equal(t, driver.OutcomeSuccess, got[c.name].result.Outcome, c.name)
			assert.Len(t, got[c.name].requests, 1, c.name)
		}
	})
	t.Run("leaves out a role that is not given", func(t *testing.T) {
		assert.Equal(t, `{"action":"warm_transfer","to":"+14152225555","trigger_source":"+14152223333"}`, got["warmTransfer/no-role"].requests[0].Body)
	})
	t.Run("errors carry status, message and api_id", func(t *testing.T) {
		assert.Equal(t, &driver.ClientError{Status: 429, Message: "too many requests", APIID: "8d5cae4b-6a7e-4b9c-9dce-3f4a5b6c7d8e"}, got["coldTransfer/429"].result.Error)
		assert.Equal(t, &driver.ClientError{Status: 400, Message: "Bad Request"}, got["coldTransfer/400-empty-body"].result.Error)
	})
}

// BenchmarkDrivers measures each driver's start-up (process start and
// hello, then bye) and one call against the capture server:
//
//	go test ./certify/driver -run '^$' -bench Drivers -benchtime 20x
func BenchmarkDrivers(b *testing.B) {
	drivers := []struct {
		name string
		find func(testing.TB) (string, string)
	}{
		{"plivo-go", sdktest.PlivoGo},
		{"plivo-node", sdktest.PlivoNode},
		{"python", sdktest.Python},
	}
	for _, drv := range drivers {
		b.Run(drv.name+"/startup", func(b *testing.B) {
			command, dir := drv.find(b)
			b.ResetTimer()
			for b.Loop() {
				d, err := driver.Start(context.Background(), command, driver.Options{Dir: dir})
				require.NoError(b, err)
				require.NoError(b, d.Close())
			}
		})
		b.Run(drv.name+"/call", func(b *testing.B) {
			command, dir := drv.find(b)
			srv := newCaptureServer(b)
			d, err := driver.Start(context.Background(), command, driver.Options{Dir: dir})
			require.NoError(b, err)
			defer d.Close()
			msg := driver.CallMessage{ID: "coldTransfer/ok", Operation: driver.OpColdTransfer, BaseURL: srv.URL, AuthID: authID, AuthToken: authToken,
				Params: driver.Params{PhloID: phloID, NodeID: nodeID, To: "+14152225555", Role: "agent", TriggerSource: "+14152223333"}}
			b.ResetTimer()
			for b.Loop() {
				r, err := d.Call(context.Background(), msg)
				require.NoError(b, err)
				require.Equal(b, driver.OutcomeSuccess, r.Outcome)
			}
		})
	}
}
