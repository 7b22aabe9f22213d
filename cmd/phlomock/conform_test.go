package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conform runs `phlomock conform args...` and returns the exit code and outputs.
func conform(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), append([]string{"conform"}, args...), &out, &errw)
	code = exitCode(err, &errw)
	return code, out.String(), errw.String()
}

// unreachableURL is a loopback URL nothing listens on.
func unreachableURL(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := ln.Addr().String()
	require.NoError(tb, ln.Close())
	return "http://" + addr
}

func TestConformInProcessFake(t *testing.T) {
	code, out, errOut := conform(t)
	require.Equal(t, 0, code, "got exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	assert.Regexp(t, `^conform: (\d+) cases, (\d+) passed, 0 failed$`, last)
	assert.NotContains(t, out, "FAIL")
	assert.NotContains(t, out, "skip ", "the in-process fake runs every case, live ones included")
}

func TestConformReports(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "conform.xml")
	code, out, errOut := conform(t, "--report", "json", "--junit", junit)
	require.Equal(t, 0, code, "stderr: %s", errOut)

	var rep struct {
		Cases, Passed, Failed int
		Results               []struct{ ID, Outcome string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "stdout is not the JSON report:\n%s", out)
	assert.Positive(t, rep.Cases)
	assert.Equal(t, rep.Cases, rep.Passed)
	assert.Len(t, rep.Results, rep.Cases)

	fi, err := os.Stat(junit)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "got mode %v, want -rw-r--r-- like any report a CI job archives", fi.Mode().Perm())
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &suites))
	assert.Equal(t, rep.Cases, suites.Tests)
	assert.NotEmpty(t, suites.Suites)
}

// textErrors answers every request with a text/plain 500: a target that
// breaks the contract on every case.
func textErrors(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "boom", http.StatusInternalServerError)
}

func TestConformExitCodes(t *testing.T) {
	deviant := httptest.NewServer(http.HandlerFunc(textErrors))
	t.Cleanup(deviant.Close)
	creds := []string{"--auth-id", "MAPHLOMOCKDEFAULT001", "--auth-token", "phlomock-default-auth-token"}

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"deviant target", append([]string{"--target", deviant.URL}, creds...), 1, "content-type", ""},
		{"unreachable target", append([]string{"--target", unreachableURL(t)}, creds...), 2, "", "target unreachable"},
		{"target without credentials", []string{"--target", deviant.URL}, 2, "", "--auth-id"},
		{"bad report format", []string{"--report", "xml"}, 2, "", "--report"},
		{"not a URL", append([]string{"--target", "phlorunner.plivo.com"}, creds...), 2, "", "not an http(s) URL"},
		{"unknown flag", []string{"--nope"}, 2, "", "nope"},
		{"stray argument", []string{"extra"}, 2, "", `conform takes no arguments, got "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.args...)
			assert.Equal(t, tt.wantCode, code, "got exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			assert.Contains(t, out, tt.wantStdout)
			assert.Contains(t, errOut, tt.wantStderr)
		})
	}
}

// Against a real target conform is safe by default: it never sends, with
// good credentials, a request that the API would accept as an action (the
// live cases' requests), and it warns when --live adds them.
func TestConformSafeByDefault(t *testing.T) {
	const authID, token = "MAREALACCOUNT0000001", "secret"
	var (
		mu   sync.Mutex
		sent = map[string]bool{} // "METHOD path body" sent with good credentials
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if id, tok, ok := r.BasicAuth(); ok && id == authID && tok == token {
			mu.Lock()
			sent[r.Method+" "+r.URL.Path+" "+string(body)] = true
			mu.Unlock()
		}
		textErrors(w, r)
	}))
	t.Cleanup(srv.Close)
	args := []string{"--target", srv.URL, "--auth-id", authID, "--auth-token", token, "--phlo-id", "P1", "--node-id", "N1", "--seed", "0"}

	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{Seed: 0, MaxExamples: contract.DefaultMaxExamples})
	require.NoError(t, err)
	params := map[string]string{"{auth_id}": authID, "{phlo_id}": "P1", "{node_id}": "N1", "{member_address}": contract.DefaultMemberAddress}
	var live []string
	for _, c := range cases {
		if c.Safe {
			continue
		}
		path := c.Request.Path
		for k, v := range c.Request.PathParams {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		for k, v := range params {
			path = strings.ReplaceAll(path, k, v)
		}
		live = append(live, c.Request.Method+" "+path+" "+string(c.Request.Body))
	}
	require.NotEmpty(t, live)

	code, out, errOut := conform(t, args...)
	assert.Equal(t, 1, code)
	assert.NotContains(t, errOut, "WARNING")
	assert.Contains(t, out, "skip updateMultiPartyCall/call/valid: live case")
	for _, req := range live {
		assert.False(t, sent[req], "got %q sent without --live, want it held back", req)
	}

	code, out, errOut = conform(t, append(args, "--live")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "WARNING: --live")
	assert.NotContains(t, out, "skip ")
	for _, req := range live {
		assert.True(t, sent[req], "got %q not sent with --live, want it sent", req)
	}
}

// newConformFake serves the fake with the one PHLO and node conform uses.
func newConformFake(tb testing.TB, wrap func(http.Handler) http.Handler) *httptest.Server {
	tb.Helper()
	spec, err := openapi.Load()
	require.NoError(tb, err)
	fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: mockserver.StaticWorld{conformPhloID: {conformNodeID}}}, StrictIDs: true})
	require.NoError(tb, err)
	var h http.Handler = fake
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// rewrite lets edit change every answer of the handler it wraps.
func rewrite(edit func(status *int, header http.Header, body *[]byte)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			status, header, body := rec.Code, rec.Header().Clone(), rec.Body.Bytes()
			edit(&status, header, &body)
			header.Del("Content-Length")
			maps.Copy(w.Header(), header)
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
	}
}

func editBody(body *[]byte, edit func(m map[string]any)) {
	var m map[string]any
	if json.Unmarshal(*body, &m) == nil {
		edit(m)
		*body, _ = json.Marshal(m)
	}
}

// Each deviation from the contract is reported with its code, and the run
// exits 1.
func TestConformDeviantTargets(t *testing.T) {
	tests := []struct {
		name string
		edit func(status *int, header http.Header, body *[]byte)
		want string
	}{
		{"wrong status", func(s *int, _ http.Header, _ *[]byte) {
			if *s == http.StatusUnauthorized {
				*s = http.StatusForbidden
			}
		}, "status-unexpected"},
		{"missing api_id", func(_ *int, _ http.Header, b *[]byte) {
			editBody(b, func(m map[string]any) { delete(m, "api_id") })
		}, "api-id-missing"},
		{"text/plain errors", func(s *int, h http.Header, b *[]byte) {
			if *s >= 400 {
				h.Set("Content-Type", "text/plain")
				*b = []byte("error\n")
			}
		}, "content-type"},
		{"empty error body", func(s *int, _ http.Header, b *[]byte) {
			if *s >= 400 {
				*b = nil
			}
		}, "body-not-json"},
		{"200 where the API must reject", func(s *int, _ http.Header, b *[]byte) {
			if *s == http.StatusBadRequest {
				*s = http.StatusOK
				editBody(b, func(m map[string]any) { m["error"] = "" })
			}
		}, "accepted-invalid-request"},
		{"undocumented status", func(s *int, _ http.Header, _ *[]byte) {
			if *s == http.StatusNotFound {
				*s = http.StatusTeapot
			}
		}, "status-undocumented"},
		{"wrong field type", func(_ *int, _ http.Header, b *[]byte) {
			editBody(b, func(m map[string]any) {
				if _, ok := m["created_on"]; ok {
					m["created_on"] = 20200801
				}
			})
		}, "body-schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newConformFake(t, rewrite(tt.edit))
			code, out, errOut := conform(t, "--target", srv.URL, "--live", "--report", "json",
				"--auth-id", mockserver.DefaultAuthID, "--auth-token", mockserver.DefaultAuthToken,
				"--phlo-id", conformPhloID, "--node-id", conformNodeID)
			assert.Equal(t, 1, code, "got exit %d, want 1; stderr: %s", code, errOut)
			assert.True(t, strings.Contains(out, `"code": "`+tt.want+`"`), "got no %s violation in the JSON report", tt.want)
		})
	}
}

func TestConformScenarios(t *testing.T) {
	// The scenario names its own ids: an open world knows them all.
	spec, err := openapi.Load()
	require.NoError(t, err)
	fake, err := mockserver.New(spec, mockserver.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	creds := []string{"--target", srv.URL, "--auth-id", mockserver.DefaultAuthID, "--auth-token", mockserver.DefaultAuthToken}

	code, out, errOut := conform(t, append(creds, "--scenario", "success")...)
	assert.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "pass success/")
	assert.Contains(t, out, "skip success/", "live interactions are held back without --live")

	code, _, errOut = conform(t, append(creds, "--scenario", "no-such-scenario")...)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown scenario")

}

// Without --target, conform runs the generated cases against the plain fake,
// then each scenario's interactions against the fake serving that scenario
// alone, freshly reset: by default every built-in, so that each one
// behaves as its file says.
func TestConformScenariosInProcess(t *testing.T) {
	builtins := scenarios.BuiltinNames()
	code, out, errOut := conform(t)
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "pass runPhlo/valid (201)", "the generated cases run too")
	for _, name := range builtins {
		assert.Contains(t, out, "pass "+name+"/", "got no interaction of built-in %s", name)
	}

	code, out, errOut = conform(t, "--scenario", "transfer-flow", "--scenario", "flaky")
	require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "pass runPhlo/valid (201)")
	assert.Contains(t, out, "pass transfer-flow/the-customer-hangs-up (201)")
	assert.Contains(t, out, "pass flaky/first-attempt-fails (500)", "the flaky counters start afresh")
	assert.Contains(t, out, "pass flaky/third-attempt-succeeds (200)")
	assert.NotContains(t, out, "bad-role/", "only the named scenarios run")

	// A file whose interactions contradict its rules fails the run.
	file := filepath.Join(t.TempDir(), "wrong.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`version: 1
name: wrong
rules:
  - name: teapot
    match: {operation: getPhlo}
    respond: {status: 500, body: {api_id: "{{api_id}}", error: boom}}
interactions:
  - name: claims success
    request: {operation: getPhlo}
    expect: {status: 200}
`), 0o600))
	code, out, errOut = conform(t, "--scenario", file)
	assert.Equal(t, 1, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "FAIL wrong/claims-success (500)")

	code, _, errOut = conform(t, "--scenario", "no-such-scenario")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "unknown scenario")
}
