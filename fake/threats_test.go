package fake_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
)

// The threat model's cells (docs/security.md) that need a whole fake:
// its ports, its logs, its metrics.

const phlo = "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"

// raw sends one request as written, on a connection of its own, and
// returns the status line ("" when the server closed it first).
func raw(t *testing.T, addr, req string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

func hostOf(u string) string { return strings.TrimPrefix(u, "http://") }

func scrape(t *testing.T, adminURL string) string {
	t.Helper()
	status, body := do(t, "GET", adminURL+"/metrics", "")
	require.Equal(t, http.StatusOK, status)
	return body
}

var seriesLine = regexp.MustCompile(`(?m)^phlomock_[a-z_]+\{[^}]*\}`)

// Label exhaustion: requests with made-up paths, methods, PHLO ids and
// scenario names never add a label value to /metrics: the series after
// 30 such requests are the series after 300, and none names what the
// client made up.
func TestThreatMetricLabelsBounded(t *testing.T) {
	f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Metrics: metrics.New(), Scenarios: []string{"transfer-flow"}})
	host := hostOf(f.URL)
	auth := basicAuth
	hostile := func(i int) {
		tok := fmt.Sprintf("zq%x", rand.Uint64())
		switch i % 4 {
		case 0:
			raw(t, host, "GET /v1/"+tok+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nConnection: close\r\n\r\n")
		case 1:
			raw(t, host, "X"+strings.ToUpper(tok)+" "+phlo+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nConnection: close\r\n\r\n")
		case 2:
			raw(t, host, "GET /v1/phlo/"+tok+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nConnection: close\r\n\r\n")
		default:
			raw(t, host, "GET "+phlo+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\nX-Phlomock-Scenario: "+tok+"\r\nConnection: close\r\n\r\n")
		}
	}
	for i := range 30 {
		hostile(i)
	}
	after30 := seriesLine.FindAllString(scrape(t, f.AdminURL), -1)
	for i := 30; i < 300; i++ {
		hostile(i)
	}
	text := scrape(t, f.AdminURL)
	after300 := seriesLine.FindAllString(text, -1)
	assert.ElementsMatch(t, after30, after300, "270 more made-up requests added no series")
	assert.NotContains(t, text, "zq", "no made-up token is a label value")
	assert.Less(t, len(after300), 200, "series: %d", len(after300))
}

// basicAuth is the Authorization header of the default account.
var basicAuth = "Basic " + base64.StdEncoding.EncodeToString([]byte(mockserver.DefaultAuthID+":"+mockserver.DefaultAuthToken))

// Log forging: CR, LF and ANSI escapes in a path, a scenario header, a
// query and an uploaded scenario's name reach the log as escaped text: every
// record is one line starting with time=, and no escape byte is written.
func TestThreatLogForging(t *testing.T) {
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Options: mockserver.Options{Logger: logger}, Scenarios: []string{"transfer-flow"}})
	host := hostOf(f.URL)
	forged := "%0d%0atime=2026-01-01T00:00:00Z%20level=ERROR%20msg=forged%1b[31m"
	auth := basicAuth
	var statuses []string
	for _, req := range []string{
		"GET /v1/phlo/" + forged + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nConnection: close\r\n\r\n",
		"GET " + phlo + "?q=" + forged + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nConnection: close\r\n\r\n",
		"GET " + phlo + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nX-Phlomock-Scenario: a\x1b[2Jb\r\nConnection: close\r\n\r\n",
		"GET " + phlo + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\nUser-Agent: \x1b]0;owned\x07\r\nConnection: close\r\n\r\n",
	} {
		statuses = append(statuses, raw(t, host, req))
	}
	// Control characters in a header value: net/http refuses the request
	// (400) before any handler or log sees it.
	assert.Equal(t, []string{"HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request"}, statuses)
	yaml := "version: 1\nname: \"evil\\ntime=2026 level=ERROR msg=forged\\u001b[31m\"\nrules:\n  - match: {operation: getPhlo}\n    respond: 418\n"
	status, body := doBody(t, "POST", f.AdminURL+"/__admin/scenarios", "application/yaml", yaml)
	assert.Equal(t, http.StatusBadRequest, status, "a scenario name is one line of printable text")
	assert.Contains(t, body, "control character")
	require.Eventuallyf(t, func() bool { return strings.Count(logs.String(), " path=") >= 2 }, 5*time.Second, 10*time.Millisecond, "logs: %s", logs)
	assert.Contains(t, logs.String(), `path="/v1/phlo/\r\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged\x1b[31m"`, "the path is logged, quoted")
	out := logs.String()
	assert.NotContains(t, out, "\x1b", "no escape byte reaches the log")
	assert.NotContains(t, out, "\x07")
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		assert.True(t, strings.HasPrefix(line, "time="), "line %d is a record of its own: %q", i, line)
		assert.False(t, strings.HasPrefix(line, "time=2026-01-01"), "line %d is forged: %q", i, line)
	}
}

func doBody(t *testing.T, method, url, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func writeScenario(t *testing.T, yaml string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(file, []byte(yaml), 0o600))
	return file
}

// Templates and patterns in scenario files: a rule's body repeating a
// request value a thousand times cannot make a request allocate hundreds
// of megabytes (the rendered answer is bounded and refused with 500 naming
// the bound); a value is never rendered twice (no template loop); a path
// pattern of many stars against a 60 KB path is matched in linear time
// (path.Match; scenario files hold no regular expressions).
func TestThreatTemplatesAndPatterns(t *testing.T) {
	body := strings.Repeat(`{{header.X-Pad}}`, 1000)
	file := writeScenario(t, fmt.Sprintf(`version: 1
name: amplify
rules:
  - name: stars
    match: {path: "/v1/phlo/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"}
    respond: 418
  - name: amplify
    match: {operation: getPhlo}
    respond: {status: 200, body: {x: %q}}
  - name: echo
    match: {operation: getMultiPartyCall}
    respond: {status: 200, body: {x: "{{header.X-Echo}}"}}
`, body))
	f := start(t, fake.Config{Scenarios: []string{file}})
	pad := strings.Repeat("<", 60<<10) // 360 KiB escaped, 352 MiB a thousand times
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	req, err := http.NewRequest("GET", f.URL+phlo, nil)
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("X-Pad", pad)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Contains(t, string(got), "over the")
	assert.Less(t, len(got), 4096)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "the answer was not rendered")

	req, err = http.NewRequest("GET", f.URL+phlo+"/multi_party_call/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", nil)
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("X-Echo", "{{header.X-Echo}}{{api_id}}")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(got), `"x":"{{header.X-Echo}}{{api_id}}"`, "a value is text, never a template")

	long := "/v1/phlo/" + strings.Repeat("a", 60_000)
	req, err = http.NewRequest("GET", f.URL+long, nil)
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotZero(t, resp.StatusCode, "a pattern of 19 stars against a 60 KB segment answers")
}

// Descriptor exhaustion: 200 connections that send nothing and 50 kept
// alive after one request are all closed by the server (read-header and
// idle timeouts), while a normal request is served throughout. There is no
// cap on connections: the timeouts are what frees their descriptors.
func TestThreatIdleConnectionsClosed(t *testing.T) {
	f := start(t, fake.Config{Limits: fake.Limits{ReadHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}})
	host := hostOf(f.URL)
	var conns []net.Conn
	for range 200 {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	auth := basicAuth
	for range 50 {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		_, err = io.WriteString(c, "GET "+phlo+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+auth+"\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		conns = append(conns, &bufConn{Conn: c, r: br})
	}
	status, _ := do(t, "GET", f.URL+phlo, "basic")
	assert.Equal(t, http.StatusOK, status, "served while 250 connections are open")
	for i, c := range conns {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err := c.Read(make([]byte, 512))
		var ne net.Error
		require.Falsef(t, errors.As(err, &ne) && ne.Timeout(), "connection %d still open after 30 times the timeout", i)
		if err == nil { // the 408 net/http writes before closing a silent connection
			_, err = io.Copy(io.Discard, c)
			require.NoError(t, err)
		}
		c.Close()
	}
	status, _ = do(t, "GET", f.URL+phlo, "basic")
	assert.Equal(t, http.StatusOK, status)
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// Races between concurrent changes: activations, resets, uploads and
// requests at once, on one fake (run with -race): every request is
// answered by a whole set (one of those activated), every change
// answers 200 or 201, and afterwards the state is one of them.
func TestThreatConcurrentActivationsAndResets(t *testing.T) {
	f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Scenarios: []string{"transfer-flow"}})
	sets := []string{`{"names":["bad-role"]}`, `{"names":["transfer-flow"]}`, `{"names":["success"]}`}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 20 {
				var status int
				switch (w + i) % 3 {
				case 0:
					status, _ = doBody(t, "PUT", f.AdminURL+"/__admin/scenarios/active", "application/json", sets[(w+i)%len(sets)])
				case 1:
					status, _ = doBody(t, "POST", f.AdminURL+"/__admin/reset", "application/json", "")
				default:
					status, _ = doBody(t, "POST", f.AdminURL+"/__admin/reset?scenarios=keep", "application/json", "")
				}
				assert.Contains(t, []int{200, 201}, status)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				status, _ := do(t, "GET", f.URL+phlo, "basic")
				assert.Contains(t, []int{200, 400, 401, 403, 404, 500}, status)
			}
		})
	}
	wg.Wait()
	active := f.Director.Active()
	require.Len(t, active, 1)
	assert.Contains(t, []string{"bad-role", "transfer-flow", "success"}, active[0])
	_ = context.Background()
}
