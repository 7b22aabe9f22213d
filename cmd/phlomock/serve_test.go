package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/internal/wait"
)

type served struct {
	api, admin, id, token string
	logs                  *syncbuf.Buffer
	stop                  func() error
}

var startLine = regexp.MustCompile(`on (http://\S+) \(control plane (http://\S+)\); Basic auth (\S+):(\S+)`)

// startServe runs `phlomock serve args...` in-process until the test ends.
func startServe(tb testing.TB, args ...string) *served {
	tb.Helper()
	return startServeWith(tb, &Main{}, args...)
}

// startServeWith is startServe with m's hooks.
func startServeWith(tb testing.TB, m *Main, args ...string) *served {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		err := m.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, args...), pw, logs)
		pw.CloseWithError(fmt.Errorf("serve returned %v", err))
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoErrorf(tb, err, "logs: %s", logs.String())
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	got := startLine.FindStringSubmatch(line)
	require.NotNilf(tb, got, "start-up line %q", line)
	var once sync.Once
	var stopErr error
	s := &served{api: got[1], admin: got[2], id: got[3], token: got[4], logs: logs, stop: func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}}
	tb.Cleanup(func() { _ = s.stop() })
	return s
}

func TestServeSeedCurl(t *testing.T) {
	s := startServe(t)
	assert.Equal(t, "MAPHLOMOCKDEFAULT001", s.id)
	// The seed's curl command: -d without a Content-Type sends the form type.
	body := "{\n\"action\": \"cold_transfer\",\n\"to\": \"+14152225555\",\n\"role\": \"agent\",\n\"trigger_source\": \"+14152223333\"\n}"
	req, err := http.NewRequest("POST", s.api+"/v1/phlo/P1/multi_party_call/N1", strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth(s.id, s.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equalf(t, 201, resp.StatusCode, "body %s", got)
	assert.Contains(t, s.logs.String(), "operation=updateMultiPartyCall")

	for _, path := range []string{"/healthz", "/readyz", "/__admin/journal?operation=updateMultiPartyCall&limit=1"} {
		resp, err := http.Get(s.admin + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equalf(t, 200, resp.StatusCode, "%s: %s", path, b)
		if strings.Contains(path, "journal") {
			assert.Contains(t, string(b), `"status":201`)
		}
	}
	require.NoError(t, s.stop())
}

func TestServeEnvAndFlags(t *testing.T) {
	t.Setenv("PHLOMOCK_AUTH_ID", "SAENVENVENVENVENVENV")
	t.Setenv("PHLOMOCK_AUTH_TOKEN", "envtoken")
	t.Setenv("PHLOMOCK_LOG_FORMAT", "json")
	s := startServe(t, "--strict-ids", "--ids", "P1/N1", "--action-status", "200")
	assert.Equal(t, "SAENVENVENVENVENVENV", s.id)
	assert.Equal(t, "[redacted]", s.token, "a token that is not the documented default is not printed")
	cases := []struct {
		path, body string
		status     int
	}{
		{"/v1/phlo/P1/multi_party_call/N1", `{"action":"call","to":"+1","role":"agent","trigger_source":"+2"}`, 200},
		{"/v1/phlo/P2/multi_party_call/N1", `{"action":"call","to":"+1","role":"agent","trigger_source":"+2"}`, 404},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("POST", s.api+c.path, strings.NewReader(c.body))
		req.SetBasicAuth(s.id, "envtoken")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equalf(t, c.status, resp.StatusCode, "POST %s", c.path)
	}
	require.NoError(t, s.stop())
	assert.Contains(t, s.logs.String(), `"msg":"request"`)
}

func TestServeBadConfig(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad log format", []string{"--log-format", "xml"}, nil, "--log-format"},
		{"bad action status", []string{"--action-status", "202"}, nil, "--action-status"},
		{"bad ids", []string{"--strict-ids", "--ids", "P1/"}, nil, "--ids item 1"},
		{"zero max body", []string{"--max-body", "0"}, nil, "--max-body 0: want 1 or more"},
		{"negative journal size", []string{"--journal-size", "-1"}, nil, "--journal-size -1: want 1 or more"},
		{"zero journal body limit", nil, map[string]string{"PHLOMOCK_JOURNAL_BODY_LIMIT": "0"}, "--journal-body-limit 0: want 1 or more bytes, or -1"},
		{"journal body limit below -1", []string{"--journal-body-limit", "-2"}, nil, "--journal-body-limit -2"},
		{"missing spec", []string{"--spec", "testdata/nope.yaml"}, nil, "--spec testdata/nope.yaml"},
		{"bad env bool", nil, map[string]string{"PHLOMOCK_STRICT_IDS": "maybe"}, "PHLOMOCK_STRICT_IDS"},
		{"bad host", []string{"--addr", "256.0.0.1:1"}, nil, "listen --addr"},
		{"busy port", []string{"--addr", busy.Addr().String()}, nil, "listen --addr: listen tcp " + busy.Addr().String() + ": bind: address already in use: something listens there already (a phlomock serve still running?); stop it, or give this one other ports: --addr 127.0.0.1:8090 --admin-addr 127.0.0.1:8091"},
		{"busy admin port", []string{"--addr", "127.0.0.1:0", "--admin-addr", busy.Addr().String()}, nil, "listen --admin-addr: listen tcp " + busy.Addr().String() + ": bind: address already in use: something listens there already"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var out, errw bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--admin-addr", ""}, c.args...), &out, &errw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Equal(t, 2, exitCode(err, io.Discard))
		})
	}
}

// TestServeGracefulShutdown starts a request, stops the server while the
// request body is still on its way, and checks that the request is answered.
func TestServeGracefulShutdown(t *testing.T) {
	active := make(chan struct{}, 16)
	s := startServeWith(t, &Main{ServeMiddleware: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			active <- struct{}{}
			next.ServeHTTP(w, r)
		})
	}})
	host := strings.TrimPrefix(s.api, "http://")
	conn, err := net.Dial("tcp", host)
	require.NoError(t, err)
	defer conn.Close()
	body := `{"action":"hold"}`
	req, _ := http.NewRequest("POST", s.api+"/v1/phlo/P1/multi_party_call/N1/members/m", nil)
	req.SetBasicAuth(s.id, s.token)
	// Expect: 100-continue: net/http sends 100 Continue when the body is
	// first read (mockserver.BodyFirst, before the pipeline), so the
	// request is in the handler, reading its body.
	fmt.Fprintf(conn, "POST /v1/phlo/P1/multi_party_call/N1/members/+14152223333 HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n%s",
		host, req.Header.Get("Authorization"), len(body), body[:5])
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	cont.Body.Close()
	require.Equal(t, http.StatusContinue, cont.StatusCode)
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	wait.Until(t, 10*time.Second, "the shutdown has begun: /readyz stops answering 200", func() bool {
		resp, err := http.Get(s.admin + "/readyz")
		if err != nil {
			return true
		}
		resp.Body.Close()
		return resp.StatusCode != http.StatusOK
	})
	// The rest of the body arrives after the stop began.
	_, err = io.WriteString(conn, body[5:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode)
	require.NoError(t, <-stopped)
	assert.NotEmpty(t, active, "the request reached the fake")
}

func TestHealthcheck(t *testing.T) {
	s := startServe(t)
	addr := strings.TrimPrefix(s.admin, "http://")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"healthcheck", "--admin-addr", addr}, &out, io.Discard))
	assert.Equal(t, "ok\n", out.String())
	require.NoError(t, s.stop())
	err := run(context.Background(), []string{"healthcheck", "--admin-addr", addr}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Equal(t, 1, exitCode(err, io.Discard))

	t.Setenv("PHLOMOCK_ADMIN_ADDR", "0.0.0.0:1")
	u, err := healthURL(envDefault("ADMIN_ADDR", ""), "", "")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1/healthz", u)
}

// A wildcard --addr is shown as configured, not as the "[::]" Go reports.
func TestServeWildcardAddrShown(t *testing.T) {
	cases := []struct{ addr, wantPrefix string }{
		{"0.0.0.0:0", "http://0.0.0.0:"},
		{":0", "http://0.0.0.0:"},
		{"127.0.0.1:0", "http://127.0.0.1:"},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			s := startServe(t, "--addr", c.addr)
			assert.Truef(t, strings.HasPrefix(s.api, c.wantPrefix), "got %s, want %s...", s.api, c.wantPrefix)
			status, _, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token))
			assert.Equalf(t, http.StatusOK, status, "the URL shown answers: %s", body)
		})
	}
}

// TestHealthcheckSinglePort: with the control plane on the API's port only
// (--admin-prefix, no --admin-addr), healthcheck finds PREFIX/healthz from
// the same PHLOMOCK_ variables serve reads, as the image's HEALTHCHECK runs
// it (`phlomock healthcheck`, no flags).
func TestHealthcheckSinglePort(t *testing.T) {
	s := startServe(t, "--admin-addr", "", "--admin-prefix", "/__admin", "--admin-token", "s3cret")
	require.Equal(t, s.api+"/__admin", s.admin, "the control plane is on the API's port")
	t.Setenv("PHLOMOCK_ADMIN_ADDR", "")
	t.Setenv("PHLOMOCK_ADDR", strings.TrimPrefix(s.api, "http://"))
	t.Setenv("PHLOMOCK_ADMIN_PREFIX", "/__admin")
	code, out, errOut := cli(t, "healthcheck")
	assert.Equal(t, 0, code, "stderr: %s", errOut)
	assert.Equal(t, "ok\n", out)

	t.Setenv("PHLOMOCK_ADMIN_PREFIX", "/elsewhere")
	code, _, errOut = cli(t, "healthcheck")
	assert.Equal(t, 1, code, "PREFIX/healthz of another prefix is the API's 404")
	assert.Contains(t, errOut, "/elsewhere/healthz answered 404")

	t.Setenv("PHLOMOCK_ADMIN_PREFIX", "/__admin")
	require.NoError(t, s.stop())
	code, _, errOut = cli(t, "healthcheck")
	assert.Equal(t, 1, code, "stopped: unhealthy")
	assert.Contains(t, errOut, "phlomock: healthcheck: ")
}

func TestHealthURL(t *testing.T) {
	cases := []struct {
		name, adminAddr, addr, prefix string
		want, wantErr                 string
	}{
		{"control plane port", "127.0.0.1:8081", "127.0.0.1:8080", "", "http://127.0.0.1:8081/healthz", ""},
		{"wildcard is loopback", "0.0.0.0:8081", "", "", "http://127.0.0.1:8081/healthz", ""},
		{"its own port wins over the prefix", "127.0.0.1:8081", "127.0.0.1:8080", "/__admin", "http://127.0.0.1:8081/healthz", ""},
		{"single port", "", "0.0.0.0:8080", "/__admin", "http://127.0.0.1:8080/__admin/healthz", ""},
		{"IPv6 wildcard", "", "[::]:8080", "/x", "http://127.0.0.1:8080/x/healthz", ""},
		{"nothing to ask", "", "127.0.0.1:8080", "", "", "no control plane to ask: --admin-addr (PHLOMOCK_ADMIN_ADDR) is empty and there is no --admin-prefix (PHLOMOCK_ADMIN_PREFIX)"},
		{"bad address", "8081", "", "", "", `--admin-addr "8081"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := healthURL(c.adminAddr, c.addr, c.prefix)
			if c.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	t.Setenv("PHLOMOCK_ADMIN_ADDR", "")
	code, _, errOut := cli(t, "healthcheck")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "phlomock: healthcheck: no control plane to ask")
}
