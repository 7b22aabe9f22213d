package mockserver_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hardened serves h the way phlomock serve does: behind the header and
// in-flight limits, on an http.Server with timeouts and a header read limit.
func hardened(tb testing.TB, h http.Handler, maxInFlight int, tune func(*http.Server)) *httptest.Server {
	tb.Helper()
	h = mockserver.LimitInFlight(maxInFlight)(mockserver.LimitHeaderBytes(0)(h))
	ts := httptest.NewUnstartedServer(h)
	ts.Config.MaxHeaderBytes = mockserver.HeaderReadLimit(0)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Config.IdleTimeout = 30 * time.Second
	if tune != nil {
		tune(ts.Config)
	}
	ts.Start()
	tb.Cleanup(ts.Close)
	return ts
}

// wantJSONError checks the fake's one error format: {"api_id","error"}.
func wantJSONError(tb testing.TB, resp *http.Response, body []byte) string {
	tb.Helper()
	assert.Equal(tb, "application/json", resp.Header.Get("Content-Type"), "Content-Type of %q", body)
	var e struct {
		APIID string `json:"api_id"`
		Error string `json:"error"`
	}
	require.NoErrorf(tb, json.Unmarshal(body, &e), "body %q", body)
	assert.Len(tb, e.APIID, 36, "api_id of %q", body)
	assert.NotEmpty(tb, e.Error, "error of %q", body)
	return e.Error
}

// TestBadInput sends every kind of bad input the data plane must survive
// over a real connection: each one gets its 4xx in the JSON error format,
// never a 500, a panic or a dropped connection.
func TestBadInput(t *testing.T) {
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, nil)
	const (
		mpc    = "/v1/phlo/P1/multi_party_call/N1"
		member = mpc + "/members/+14152223333"
		run    = "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1"
		jsonCT = "application/json"
	)
	cold := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	cases := []struct {
		name, method, path, contentType, body string
		header                                http.Header
		want                                  int
		wantErr                               string // part of the "error"
	}{
		{name: "malformed JSON", method: "POST", path: mpc, contentType: jsonCT, body: `{"action":`, want: 400, wantErr: "unexpected EOF"},
		{name: "trailing garbage", method: "POST", path: mpc, contentType: jsonCT, body: cold + `}`, want: 400, wantErr: "extra data"},
		{name: "two JSON values", method: "POST", path: mpc, contentType: jsonCT, body: `{}{}`, want: 400, wantErr: "extra data"},
		{name: "array body", method: "POST", path: mpc, contentType: jsonCT, body: `[]`, want: 400, wantErr: "body expects a/an object"},
		{name: "array of the right object", method: "POST", path: mpc, contentType: jsonCT, body: "[" + cold + "]", want: 400, wantErr: "body expects a/an object"},
		{name: "string body", method: "POST", path: mpc, contentType: jsonCT, body: `"cold_transfer"`, want: 400, wantErr: "body expects a/an object"},
		{name: "number body", method: "POST", path: mpc, contentType: jsonCT, body: `42`, want: 400, wantErr: "body expects a/an object"},
		{name: "string run body", method: "POST", path: run, contentType: jsonCT, body: `"x"`, want: 400, wantErr: "body expects a/an object"},
		{name: "invalid UTF-8 in a value", method: "POST", path: member, contentType: jsonCT, body: "{\"action\":\"hold\",\"x\":\"\xff\xfe\"}", want: 400, wantErr: "not valid UTF-8"},
		{name: "invalid UTF-8 in a key", method: "POST", path: run, contentType: jsonCT, body: "{\"\xc3\x28\":1}", want: 400, wantErr: "not valid UTF-8"},
		{name: "NUL bytes", method: "POST", path: mpc, contentType: jsonCT, body: "\x00\x00\x00", want: 400, wantErr: "invalid character"},
		{name: "deep nesting", method: "POST", path: mpc, contentType: jsonCT, body: strings.Repeat("[", 100_000), want: 400, wantErr: "exceeded max depth"},
		{name: "huge number", method: "POST", path: run, contentType: jsonCT, body: `{"n":1e999}`, want: 400, wantErr: "number 1e999"},
		{name: "body of 10 MiB", method: "POST", path: mpc, contentType: jsonCT, body: `{"action":"` + strings.Repeat("a", 10<<20) + `"}`, want: 413, wantErr: "limit is 1048576 bytes"},
		{name: "headers of 100 KB", method: "GET", path: "/v1/phlo/P1", header: http.Header{"X-Big": {strings.Repeat("h", 100_000)}}, want: 431, wantErr: "the limit is 65536 bytes"},
		{name: "many headers", method: "GET", path: "/v1/phlo/P1", header: manyHeaders(2000), want: 431, wantErr: "the limit is 65536 bytes"},
		{name: "path of 100 KB", method: "GET", path: "/v1/phlo/" + strings.Repeat("p", 100_000), want: 431, wantErr: "the limit is 65536 bytes"},
		{name: "dot-dot in the path", method: "GET", path: "/v1/phlo/../phlo/P1", want: 404, wantErr: "no operation for GET /v1/phlo/../phlo/P1"},
		{name: "dot-dot as an id", method: "GET", path: "/v1/phlo/P1/multi_party_call/..", want: 404, wantErr: "node_id is .."},
		{name: "escaped dot-dot and slash", method: "GET", path: "/v1/phlo/..%2F..%2Fetc", want: 404, wantErr: "Resource not found"},
		{name: "NUL in an id", method: "GET", path: "/v1/phlo/P1%00", want: 404, wantErr: "control character U+0000"},
		{name: "NUL as an id", method: "GET", path: "/v1/phlo/%00/multi_party_call/N1", want: 404, wantErr: "control character U+0000"},
		{name: "newline in an id", method: "GET", path: "/v1/phlo/P1%0AX-Injected:%201", want: 404, wantErr: "control character U+000A"},
		{name: "NUL in an id, wrong method", method: "DELETE", path: "/v1/phlo/P1%00", want: 404, wantErr: "control character U+0000"},
		{name: "very long member address, wrong method", method: "GET", path: mpc + "/members/sip:" + strings.Repeat("a", 5000) + "@b", want: 400, wantErr: "bytes long"},
		{name: "invalid UTF-8 in an id", method: "GET", path: "/v1/phlo/%FF%FE", want: 404, wantErr: "not valid UTF-8"},
		{name: "very long PHLO id", method: "GET", path: "/v1/phlo/" + strings.Repeat("p", 4000), want: 404, wantErr: "4000 bytes long"},
		{name: "very long node id", method: "POST", path: "/v1/phlo/P1/multi_party_call/" + strings.Repeat("n", 300), contentType: jsonCT, body: cold, want: 404, wantErr: "300 bytes long"},
		{name: "very long member address", method: "POST", path: mpc + "/members/sip:" + strings.Repeat("a", 5000) + "@b", contentType: jsonCT, body: `{"action":"hold"}`, want: 400, wantErr: "bytes long"},
		{name: "text/plain", method: "POST", path: mpc, contentType: "text/plain", body: cold, want: 415, wantErr: "text/plain"},
		{name: "multipart", method: "POST", path: mpc, contentType: "multipart/form-data; boundary=x", body: "--x--", want: 415, wantErr: "multipart/form-data"},
		{name: "form body that is not JSON", method: "POST", path: mpc, contentType: "application/x-www-form-urlencoded", body: "action=hold", want: 415, wantErr: "application/x-www-form-urlencoded"},
		{name: "no Content-Type, a body that is not JSON", method: "POST", path: mpc, body: "action=hold", want: 415, wantErr: "No Content-Type, and the body is not JSON"},
		{name: "unparsable Content-Type", method: "POST", path: mpc, contentType: "application/json; ===", body: cold, want: 415, wantErr: "Unsupported Content-Type"},
		{name: "duplicate key", method: "POST", path: mpc, contentType: jsonCT, body: `{"action":"cold_transfer","action":"hold","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`, want: 400, wantErr: `the key "action" appears twice in the body`},
		{name: "duplicate nested key", method: "POST", path: run, contentType: jsonCT, body: `{"a":{"b":1,"b":2}}`, want: 400, wantErr: `the key "b" appears twice in /a`},
		{name: "number where a string is expected", method: "POST", path: mpc, contentType: jsonCT, body: `{"action":"cold_transfer","to":14152225555,"role":"agent","trigger_source":"+14152223333"}`, want: 400, wantErr: "to expects a/an string"},
		{name: "number as the action", method: "POST", path: member, contentType: jsonCT, body: `{"action":1}`, want: 400, wantErr: "Allowed values"},
		{name: "object as the action", method: "POST", path: member, contentType: jsonCT, body: `{"action":{"a":[1,null]}}`, want: 400, wantErr: "Allowed values"},
		{name: "boolean role", method: "POST", path: mpc, contentType: jsonCT, body: `{"action":"cold_transfer","to":"+14152225555","role":true,"trigger_source":"+14152223333"}`, want: 400, wantErr: "role"},
		{name: "unknown action", method: "POST", path: member, contentType: jsonCT, body: `{"action":"explode"}`, want: 400, wantErr: "Allowed values"},
		{name: "no body", method: "POST", path: mpc, want: 400, wantErr: "action is a mandatory param"},
		{name: "empty object", method: "POST", path: mpc, contentType: jsonCT, body: `{}`, want: 400, wantErr: "action is a mandatory param"},
		{name: "whitespace body", method: "POST", path: member, contentType: jsonCT, body: " \n\t ", want: 400, wantErr: "action is a mandatory param"},
		{name: "no credentials", method: "POST", path: mpc, contentType: jsonCT, body: cold, header: http.Header{"Authorization": nil}, want: 401, wantErr: "credentials were not provided"},
		{name: "wrong token", method: "POST", path: mpc, contentType: jsonCT, body: cold, header: http.Header{"Authorization": {"Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6d3Jvbmc="}}, want: 401, wantErr: "Authentication failed"},
		{name: "Authorization not base64", method: "GET", path: "/v1/phlo/P1", header: http.Header{"Authorization": {"Basic %%%"}}, want: 401, wantErr: "Authentication failed: the Basic credentials are not base64 of AUTH_ID:AUTH_TOKEN; use HTTP Basic auth"},
		{name: "Bearer token", method: "GET", path: "/v1/phlo/P1", header: http.Header{"Authorization": {"Bearer x"}}, want: 401, wantErr: "Authentication failed: this API takes HTTP Basic auth, not Bearer; use HTTP Basic auth with your Auth ID and Auth Token."},
		{name: "odd scheme is not echoed", method: "GET", path: "/v1/phlo/P1", header: http.Header{"Authorization": {"s3cr3t-t0ken"}}, want: 401, wantErr: "Authentication failed: the Authorization header is not HTTP Basic; use HTTP Basic auth"},
		{name: "unknown method", method: "BREW", path: "/v1/phlo/P1", want: 405, wantErr: "use GET"},
		{name: "unknown path", method: "GET", path: "/v2/phlo/P1", want: 404, wantErr: "no operation"},
		{name: "control plane path", method: "GET", path: "/__admin/journal", want: 404, wantErr: "no operation"},
	}
	client := ts.Client()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
			require.NoError(t, err)
			if c.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			for k, v := range c.header {
				req.Header[k] = v
			}
			resp, err := client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equalf(t, c.want, resp.StatusCode, "got %d %s, want %d", resp.StatusCode, body, c.want)
			assert.Contains(t, wantJSONError(t, resp, body), c.wantErr)
		})
	}
}

func manyHeaders(n int) http.Header {
	h := http.Header{}
	for i := range n {
		h.Set(fmt.Sprintf("X-H%d", i), strings.Repeat("v", 40))
	}
	return h
}

// Requests a client library cannot send: written on the wire by hand.
func TestBadInputRaw(t *testing.T) {
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, nil)
	const auth = "Authorization: Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu\r\n"
	cases := []struct {
		name, raw string
		want      int
		wantJSON  bool // net/http answers the unparsable requests itself, in plain text
	}{
		{name: "chunked body over the limit", raw: "POST /v1/phlo/P1/multi_party_call/N1 HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks(2<<20) + "0\r\n\r\n", want: 413, wantJSON: true},
		{name: "Content-Length over the limit, no body sent", raw: "POST /v1/phlo/P1/multi_party_call/N1 HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n", want: 413, wantJSON: true},
		{name: "raw dot-dot path", raw: "GET /v1/phlo/P1/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", want: 404, wantJSON: true},
		{name: "absolute-form URL", raw: "GET http://elsewhere/v1/phlo/P1 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", want: 200, wantJSON: true},
		{name: "two Content-Lengths", raw: "POST /v1/phlo/P1/multi_party_call/N1 HTTP/1.1\r\nHost: x\r\n" + auth +
			"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", want: 400},
		{name: "NUL in the request line", raw: "GET /v1/phlo/P1\x00 HTTP/1.1\r\nHost: x\r\n\r\n", want: 400},
		{name: "headers past the read limit", raw: "GET /v1/phlo/P1 HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("h", mockserver.HeaderReadLimit(0)+8192) + "\r\n\r\n", want: 431},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			// The server may answer before reading all of a large request.
			go func() { _, _ = io.WriteString(conn, c.raw) }()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equalf(t, c.want, resp.StatusCode, "got %d %s, want %d", resp.StatusCode, body, c.want)
			if c.wantJSON && c.want >= 400 {
				wantJSONError(t, resp, body)
			}
		})
	}
}

func chunks(n int) string {
	var b strings.Builder
	chunk := strings.Repeat("a", 32<<10)
	for ; n > 0; n -= len(chunk) {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	return b.String()
}

// TestBadInputNoCrash sends the bad inputs concurrently with good ones: the
// server's state (journal, in-flight slots) stays sound.
func TestBadInputConcurrent(t *testing.T) {
	s := newServer(t, mockserver.Options{JournalSize: 50})
	ts := hardened(t, s, 0, nil)
	var wg sync.WaitGroup
	bodies := []string{`{"action":"hold"}`, `{"action":`, `[]`, "\xff", `{"action":"hold","action":"hold"}`}
	statuses := make([][]int, len(bodies))
	for i, b := range bodies {
		wg.Go(func() {
			for range 40 {
				req, _ := http.NewRequest("POST", ts.URL+"/v1/phlo/P1/multi_party_call/N1/members/+14152223333", strings.NewReader(b))
				req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := ts.Client().Do(req)
				if err != nil {
					statuses[i] = append(statuses[i], -1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses[i] = append(statuses[i], resp.StatusCode)
			}
		})
	}
	wg.Wait()
	for i, b := range bodies {
		want := 400
		if i == 0 {
			want = 201
		}
		for _, got := range statuses[i] {
			require.Equalf(t, want, got, "body %q: got %d, want %d", b, got, want)
		}
	}
	assert.Len(t, s.Journal().Entries(mockserver.Filter{}), 50, "the journal keeps its bound")
}
