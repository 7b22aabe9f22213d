package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/internal/wait"
)

const nodeURL = "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c/multi_party_call/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

// hit sends one request and returns the status and the "error" field.
func hit(tb testing.TB, method, url, body string, header ...string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(tb, err)
	req.SetBasicAuth("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b map[string]any
	_ = json.Unmarshal(raw, &b)
	msg, _ := b["error"].(string)
	return resp.StatusCode, msg
}

const callJSON = `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`

func writeFile(tb testing.TB, path, data string) {
	tb.Helper()
	require.NoError(tb, os.WriteFile(path, []byte(data), 0o644))
}

func TestServeScenarioFlag(t *testing.T) {
	dir := t.TempDir()
	teapot := filepath.Join(dir, "teapot.yaml")
	writeFile(t, teapot, "version: 1\nname: teapot\nrules:\n  - match: {operation: getPhlo}\n    respond: 418\n")
	s := startServe(t, "--scenario", "server-error", "--scenario", "bad-role", "--scenario", teapot)
	status, msg := hit(t, "POST", s.api+nodeURL, callJSON)
	assert.Equal(t, 400, status, "bad-role overrides server-error")
	assert.Contains(t, msg, "role")
	status, _ = hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 418, status, "the file's rule comes first")
	status, _ = hit(t, "POST", s.api+nodeURL+"/members/+14152223333", `{"action":"hold"}`)
	assert.Equal(t, 500, status, "server-error answers the rest")
	status, _ = hit(t, "GET", s.api+"/v1/phlo/P1", "", "X-Phlomock-Scenario", "success")
	assert.Equal(t, 200, status, "the header picks a scenario for one request")

	var page struct{ Active []string }
	resp, err := http.Get(s.admin + "/__admin/scenarios")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	resp.Body.Close()
	assert.Equal(t, []string{"server-error", "bad-role", "teapot"}, page.Active)
}

func TestServeScenarioEnvAndDefault(t *testing.T) {
	s := startServe(t)
	status, _ := hit(t, "POST", s.api+nodeURL, callJSON)
	assert.Equal(t, 201, status, "success by default")

	t.Setenv("PHLOMOCK_SCENARIO", "server-error, auth-failure")
	s = startServe(t)
	status, msg := hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, "Authentication failed", msg)
	s = startServe(t, "--scenario", "bad-role")
	status, _ = hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 200, status, "a --scenario flag replaces PHLOMOCK_SCENARIO")
}

// TestServeBadScenarioFile: each bad file stops serve with exit 1 and an
// error naming file:line:column and the problem.
func TestServeBadScenarioFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, yaml, want string }{
		{"misspelled key", "version: 1\nname: x\nrules:\n  - name: r\n    respnd: {status: 500}\n", `:5:5: unknown key "respnd" (did you mean "respond"?)`},
		{"bad duration", "version: 1\nname: x\nrules:\n  - name: r\n    respond: {status: 500, delay: 10 parsecs}\n", `:5:35: bad duration "10 parsecs"`},
		{"unknown operation id", "version: 1\nname: x\nrules:\n  - name: r\n    match: {operation: getPhlos}\n    respond: {status: 500}\n", `:5:24: unknown operation id "getPhlos" (did you mean "getPhlo"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			writeFile(t, file, c.yaml)
			var out, errw bytes.Buffer
			err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--scenario", file}, &out, &errw)
			require.Error(t, err)
			assert.Equal(t, 1, exitCode(err, &errw))
			assert.Contains(t, errw.String(), file+c.want)
			assert.Empty(t, out.String(), "nothing was served")
		})
	}
	t.Run("unknown name", func(t *testing.T) {
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--scenario", "sucess"}, io.Discard, io.Discard)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `unknown scenario "sucess"`)
		assert.Contains(t, err.Error(), `(did you mean "success"?)`)
		assert.Equal(t, 2, exitCode(err, io.Discard), "a misspelt name is a misuse of the command line")
	})
}

func TestServeRuntimeActivation(t *testing.T) {
	s := startServe(t)
	req, _ := http.NewRequest("PUT", s.admin+"/__admin/scenarios/active", strings.NewReader(`{"names":["auth-failure"]}`))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	status, _ := hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 401, status)

	// An invalid upload: 400 with the errors, the active scenario unchanged.
	resp, err = http.Post(s.admin+"/__admin/scenarios?file=mine.yaml", "application/yaml", strings.NewReader("version: 1\nname: x\nrules:\n  - name: r\n    respond: {status: 500, delay: 10 parsecs}\n"))
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(raw), `mine.yaml:5:35: bad duration`)
	status, _ = hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 401, status, "still auth-failure")
}

func TestServeSinglePort(t *testing.T) {
	s := startServe(t, "--admin-prefix", "/__admin", "--admin-token", "s3cret")
	cases := []struct {
		name, method, path, auth string
		status                   int
	}{
		{"no token", "GET", "/__admin/scenarios", "", 401},
		{"wrong token", "GET", "/__admin/scenarios", "Bearer nope", 401},
		{"Basic is not the token", "GET", "/__admin/scenarios", "Basic czNjcmV0", 401},
		{"the token", "GET", "/__admin/scenarios", "Bearer s3cret", 200},
		{"the journal", "GET", "/__admin/journal?limit=1", "Bearer s3cret", 200},
		{"health needs no token", "GET", "/__admin/healthz", "", 200},
		{"an unknown admin route", "GET", "/__admin/nope", "Bearer s3cret", 404},
		{"the API still answers", "GET", "/v1/phlo/P1", "-", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, s.api+c.path, nil)
			if c.auth != "" && c.auth != "-" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equalf(t, c.status, resp.StatusCode, "body %s", raw)
		})
	}
	// Activation through the API port.
	req, _ := http.NewRequest("PUT", s.api+"/__admin/scenarios/active", strings.NewReader(`{"names":["server-error"]}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	status, _ := hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 500, status)
	assert.NotContains(t, s.logs.String(), "s3cret", "the token is never logged")
}

func TestServeAdminNotOnAPIPortByDefault(t *testing.T) {
	s := startServe(t)
	status, msg := hit(t, "GET", s.api+"/__admin/scenarios", "")
	assert.Equal(t, 404, status)
	assert.Contains(t, msg, "Resource not found")
}

func TestServeAdminPrefixChecks(t *testing.T) {
	for _, args := range [][]string{
		{"--admin-prefix", "/__admin"},
		{"--admin-prefix", "__admin", "--admin-token", "t"},
		{"--admin-prefix", "/v1/x", "--admin-token", "t"},
		{"--admin-prefix", "/x/", "--admin-token", "t"},
	} {
		err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, args...), io.Discard, io.Discard)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "--admin-")
		assert.Equal(t, 2, exitCode(err, io.Discard))
	}
}

// TestServeWatch edits a scenario file under a running serve --watch: a
// good edit is picked up; a bad one is logged and changes nothing.
func TestServeWatch(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mine.yaml")
	writeFile(t, file, "version: 1\nname: mine\nrules:\n  - match: {operation: getPhlo}\n    respond: 500\n")
	s := startServeWith(t, &Main{WatchInterval: 5 * time.Millisecond}, "--watch", "--scenario", file)
	status, _ := hit(t, "GET", s.api+"/v1/phlo/P1", "")
	require.Equal(t, 500, status)

	writeFile(t, file, "version: 1\nname: mine\nrules:\n  - match: {operation: getPhlo}\n    respond: 503\n")
	wait.Until(t, watchBound, "the edit is served", func() bool { st, _ := hit(t, "GET", s.api+"/v1/phlo/P1", ""); return st == 503 })

	writeFile(t, file, "version: 1\nname: mine\nrules:\n  - match: {operation: getPhlo}\n    respond: {status: 500, delay: soon}\n")
	wait.Until(t, watchBound, "the bad edit is logged with file:line:column", func() bool { return strings.Contains(s.logs.String(), `mine.yaml:5:35: bad duration \"soon\"`) })
	assert.Contains(t, s.logs.String(), "not reloaded, the active scenarios are unchanged")
	status, _ = hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 503, status, "the previous scenario stays active")
}

// watchBound bounds the wait for --watch to take up an edit: it only
// keeps a broken watcher from hanging the run; nothing is timed.
const watchBound = 30 * time.Second

// readmeBlock returns the first fenced block of kind ("sh", "console")
// after the line after in page (a path from the repository's root).
func readmeBlock(tb testing.TB, page, after, kind string) string {
	tb.Helper()
	_, rest, ok := strings.Cut(doctest.Read(tb, page), after+"\n")
	require.True(tb, ok, "no %q in %s", after, page)
	return doctest.First(tb, rest, kind, page+" after "+after)
}

// shellCommands splits a shell block into commands: comments dropped,
// continuation lines joined.
func shellCommands(block string) []string { return doctest.Commands(block) }

// TestReadmeControlPlane runs the control plane section's curl commands, as
// written, against a fresh serve (only the ports differ).
func TestReadmeControlPlane(t *testing.T) {
	needCurl(t)
	dir := t.TempDir()
	yaml, err := os.ReadFile("../../scenarios/builtin/transfer-flow.yaml")
	require.NoError(t, err)
	writeFile(t, filepath.Join(dir, "my-scenario.yaml"), strings.Replace(string(yaml), "name: transfer-flow", "name: my-scenario", 1))
	s := startServe(t)
	cmds := shellCommands(readmeBlock(t, "docs/control-plane.md", "# The control plane", "sh"))
	require.Len(t, cmds, 5)
	for i, cmd := range cmds {
		if i == 3 { // the verification: send the cold transfer it counts
			status, msg := hit(t, "POST", s.api+nodeURL, `{"action":"cold_transfer","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`)
			require.Equal(t, 201, status, msg)
		}
		cmd = strings.ReplaceAll(cmd, "http://127.0.0.1:8081", s.admin)
		c := exec.Command("sh", "-c", cmd+` -w '\n%{http_code}'`)
		c.Dir = dir
		out, err := c.CombinedOutput()
		require.NoErrorf(t, err, "%s: %s", cmd, out)
		body, code, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		assert.Containsf(t, []string{"200", "201"}, strings.TrimSpace(code), "%s: %s", cmd, out)
		assert.Truef(t, json.Valid([]byte(body)), "%s: %s", cmd, out)
	}
	var page struct{ Active []string }
	resp, err := http.Get(s.admin + "/__admin/scenarios")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	resp.Body.Close()
	assert.Equal(t, []string{"my-scenario"}, page.Active)
}

// TestReadmeScenarioSelection runs the selection section's examples: the
// header curl command and the bad file's console output.
func TestReadmeScenarioSelection(t *testing.T) {
	needCurl(t)
	s := startServe(t)
	block := readmeBlock(t, "docs/scenarios.md", "unknown name answers 400 naming the choices.", "sh")
	cmds := shellCommands(block)
	require.Len(t, cmds, 1)
	out, err := exec.Command("sh", "-c", strings.Replace(cmds[0], "http://127.0.0.1:8080", s.api, 1)).CombinedOutput()
	require.NoErrorf(t, err, "%s", out)
	assert.Contains(t, string(out), `"error":"Invalid value provided for role. Allowed values are 'customer' and 'agent'."`)

	console := readmeBlock(t, "docs/scenarios.md", "`serve` before it listens, with exit status 1 and every problem as `file:line:column`:", "console")
	lines := strings.Split(strings.TrimSpace(console), "\n")
	require.Len(t, lines, 5)
	args := strings.Fields(strings.TrimPrefix(lines[0], "$ phlomock "))
	var errw bytes.Buffer
	wd, _ := os.Getwd()
	require.NoError(t, os.Chdir("../.."))
	defer func() { _ = os.Chdir(wd) }()
	err = run(context.Background(), append(args, "--addr", "127.0.0.1:0", "--admin-addr", ""), io.Discard, &errw)
	require.Error(t, err)
	code := exitCode(err, &errw)
	assert.Equal(t, strings.Join(lines[1:3], "\n")+"\n", errw.String())
	assert.Equal(t, lines[4], fmt.Sprint(code))
}

func needCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
}
