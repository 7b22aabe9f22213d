package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
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

	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
)

type proxied struct {
	api, admin string
	stdout     *syncbuf.Buffer
	logs       *syncbuf.Buffer
	stop       func() int // the exit code
}

var proxyLine = regexp.MustCompile(`on (http://\S+) to \S+ \(control plane (\S+)\)`)

// startProxy runs `phlomock proxy args...` in-process until stop.
func startProxy(tb testing.TB, args ...string) *proxied {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stdout, logs := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() {
		err := run(ctx, append([]string{"proxy", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, args...), pw, logs)
		pw.CloseWithError(fmt.Errorf("proxy returned %v", err))
		done <- exitCode(err, logs)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoErrorf(tb, err, "logs: %s", logs.String())
	go func() { _, _ = io.Copy(stdout, pr) }()
	m := proxyLine.FindStringSubmatch(line)
	require.NotNilf(tb, m, "start-up line %q", line)
	var once sync.Once
	code := -1
	p := &proxied{api: m[1], admin: m[2], stdout: stdout, logs: logs, stop: func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}}
	tb.Cleanup(func() { p.stop() })
	return p
}

const (
	proxyPhlo = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	proxyNode = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	proxyCall = `{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`
)

func proxySend(tb testing.TB, base, method, path, body string) int {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(tb, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// deviant answers node actions 200 where the contract documents 201.
func deviant(tb testing.TB) string {
	tb.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "POST" {
			w.WriteHeader(200)
			fmt.Fprint(w, `{"api_id":"6a0b2c4e-1d3f-4a5b-8c7d-9e0f1a2b3c4d","error":""}`)
			return
		}
		fmt.Fprintf(w, `{"api_id":"6a0b2c4e-1d3f-4a5b-8c7d-9e0f1a2b3c4d","phlo_id":%q,"name":"Real","created_on":"2021-01-01 00:00:00.000000+00:00"}`, r.PathValue("p"))
	}))
	tb.Cleanup(s.Close)
	return s.URL
}

// TestProxyDriftExits1: in front of a deviating target the drift is in
// /__admin/drift, on stdout and in the --report files; exit 1.
func TestProxyDriftExits1(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".json", ".xml", ".txt"} {
		t.Run(ext, func(t *testing.T) {
			report := filepath.Join(dir, "drift"+ext)
			p := startProxy(t, "--target", deviant(t), "--report", report)
			for range 3 {
				assert.Equal(t, 200, proxySend(t, p.api, "POST", "/v1/phlo/"+proxyPhlo+"/multi_party_call/"+proxyNode, proxyCall))
			}
			// An exchange is checked once its answer is sent: poll.
			var live struct{ Exchanges, Drifted int }
			wait.Until(t, 5*time.Second, "three exchanges checked", func() bool {
				resp, err := http.Get(p.admin + "/__admin/drift")
				require.NoError(t, err)
				defer resp.Body.Close()
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&live))
				return live.Exchanges >= 3
			})
			assert.Equal(t, 3, live.Exchanges)
			assert.Equal(t, 3, live.Drifted)
			require.Equal(t, 1, p.stop(), "logs: %s", p.logs.String())
			assert.Contains(t, p.stdout.String(), "the real API answers 200 where the fake answers 201 on updateMultiPartyCall (3 times)")
			assert.Contains(t, p.stdout.String(), "--action-status 200 would remove it")
			data, err := os.ReadFile(report)
			require.NoError(t, err)
			switch ext {
			case ".json":
				var rep struct {
					Drifted int
					Drift   []struct{ Kind, Hint string }
				}
				require.NoError(t, json.Unmarshal(data, &rep))
				assert.Equal(t, 3, rep.Drifted)
				require.Len(t, rep.Drift, 1)
				assert.Equal(t, "status", rep.Drift[0].Kind)
			case ".xml":
				var suites struct {
					Suites []struct {
						Cases []struct {
							Name    string    `xml:"name,attr"`
							Failure *struct{} `xml:"failure"`
						} `xml:"testcase"`
					} `xml:"testsuite"`
				}
				require.NoError(t, xml.Unmarshal(data, &suites), "%s", data)
				require.Len(t, suites.Suites, 1)
				require.Len(t, suites.Suites[0].Cases, 1)
				assert.Equal(t, "updateMultiPartyCall status", suites.Suites[0].Cases[0].Name)
				assert.NotNil(t, suites.Suites[0].Cases[0].Failure)
			default:
				assert.Contains(t, string(data), "DRIFT updateMultiPartyCall status /status")
			}
		})
	}
}

// TestProxyServeExits0: in front of phlomock serve with the same options,
// nothing drifts: exit 0. With --action-status 200 on both sides too.
func TestProxyServeExits0(t *testing.T) {
	for _, opts := range [][]string{nil, {"--action-status", "200"}} {
		t.Run(strings.Join(opts, " "), func(t *testing.T) {
			s := startServe(t, opts...)
			p := startProxy(t, append([]string{"--target", s.api}, opts...)...)
			want := 201
			if len(opts) > 0 {
				want = 200
			}
			assert.Equal(t, 200, proxySend(t, p.api, "GET", "/v1/phlo/"+proxyPhlo, ""))
			assert.Equal(t, want, proxySend(t, p.api, "POST", "/v1/phlo/"+proxyPhlo+"/multi_party_call/"+proxyNode, proxyCall))
			require.Equal(t, 0, p.stop(), "stdout: %s\nlogs: %s", p.stdout.String(), p.logs.String())
			assert.Contains(t, p.stdout.String(), "proxy: 2 exchanges with "+s.api+", 0 drifted, 0 with violations, 0 not answered")
		})
	}
}

// TestProxyRecordReplays: --record writes a scenario that passes
// scenarios check, and conform --scenario FILE against serve --scenario
// FILE passes.
func TestProxyRecordReplays(t *testing.T) {
	file := filepath.Join(t.TempDir(), "seen.yaml")
	p := startProxy(t, "--target", deviant(t), "--record", file)
	assert.Equal(t, 200, proxySend(t, p.api, "GET", "/v1/phlo/"+proxyPhlo, ""))
	assert.Equal(t, 200, proxySend(t, p.api, "POST", "/v1/phlo/"+proxyPhlo+"/multi_party_call/"+proxyNode, proxyCall))
	// The flush writes the file while the proxy runs.
	resp, err := http.Post(p.admin+"/__admin/record", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	_, err = os.Stat(file)
	require.NoError(t, err, "written on POST /__admin/record")
	assert.Equal(t, 1, p.stop())

	var out, errw syncbuf.Buffer
	require.Equal(t, 0, exitCode(run(context.Background(), []string{"scenarios", "check", file}, &out, &errw), &errw), "%s", errw.String())
	s := startServe(t, "--scenario", file)
	code, stdout, stderr := conform(t, "--target", s.api, "--auth-id", s.id, "--auth-token", mockserver.DefaultAuthToken, "--scenario", file, "--live")
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "conform: 2 cases, 2 passed, 0 failed")
}

// TestProxyRefuses: bad command lines exit 2 and say why.
func TestProxyRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
		env  string // PHLOMOCK_DRIFT_STATEFUL
	}{
		{nil, "--target is required", ""},
		{[]string{"--target", "http://phlorunner.example.com"}, "plain http to a host that is not loopback", ""},
		{[]string{"--target", "https://MA1:secret@phlorunner.example.com"}, "no user or password", ""},
		{[]string{"--target", "http://127.0.0.1:1", "stray"}, `proxy takes no arguments, got "stray"`, ""},
		{[]string{"--target", "http://127.0.0.1:1", "--action-status", "202"}, "--action-status 202: want 200 or 201", ""},
		{[]string{"--target", "http://127.0.0.1:1", "--scenario", "no-such-scenario"}, "no-such-scenario", ""},
		{[]string{"--target", "http://127.0.0.1:1", "--target-timeout", "0s"}, "want a positive duration", ""},
		{[]string{"--target", "http://127.0.0.1:1"}, `PHLOMOCK_DRIFT_STATEFUL: "sometimes" is not a boolean`, "sometimes"},
		{[]string{"--target", "http://127.0.0.1:1", "--store", "redis://127.0.0.1:1/0"}, "--store is serve's", ""},
	} {
		t.Run(strings.Join(tc.args, " ")+tc.env, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PHLOMOCK_DRIFT_STATEFUL", tc.env)
			}
			var out, errw syncbuf.Buffer
			code := exitCode(run(context.Background(), append([]string{"proxy", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, tc.args...), &out, &errw), &errw)
			assert.Equal(t, 2, code)
			assert.Contains(t, errw.String(), tc.msg)
			assert.NotContains(t, errw.String(), "secret")
		})
	}
}

// TestProxyAdminPrefix: with --admin-prefix the control plane is on the
// proxy's port behind the token, and every other path is forwarded.
func TestProxyAdminPrefix(t *testing.T) {
	p := startProxy(t, "--target", deviant(t), "--admin-prefix", "/__admin", "--admin-token", "tok")
	assert.Equal(t, 200, proxySend(t, p.api, "GET", "/v1/phlo/"+proxyPhlo, ""))
	for _, tc := range []struct {
		token  string
		status int
	}{{"", 401}, {"Bearer tok", 200}} {
		req, err := http.NewRequest("GET", p.api+"/__admin/drift", nil)
		require.NoError(t, err)
		if tc.token != "" {
			req.Header.Set("Authorization", tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, "token %q", tc.token)
	}
}
