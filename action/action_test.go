package action

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
			With  map[string]string `yaml:"with"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// A runner is one job: its temp dir, workspace and the variables steps
// wrote to GITHUB_ENV.
type runner struct {
	temp, workspace string
	env             map[string]string
}

func newRunner(t *testing.T) *runner {
	return &runner{temp: t.TempDir(), workspace: t.TempDir(), env: map[string]string{}}
}

// A result is what running an action gave: each step's outputs and exit
// code, the action's outputs, what it printed.
type result struct {
	outputs map[string]string // the action's, from its steps'
	steps   map[string]map[string]string
	codes   []int
	log     string
	uploads []map[string]string // the with: of each uses: step
}

var expr = regexp.MustCompile(`\$\{\{\s*([a-z]+)\.([a-zA-Z0-9_-]+)(?:\.outputs\.([a-zA-Z0-9_-]+))?\s*\}\}`)

// run runs the action in dir (its action.yml) with inputs, as a runner
// would: each bash step as `bash --noprofile --norc -eo pipefail FILE`;
// a step with `if: always()` runs after a failure, others do not.
func (r *runner) run(t *testing.T, dir string, inputs map[string]string) *result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "action.yml"))
	require.NoError(t, err)
	var a actionFile
	require.NoError(t, yaml.Unmarshal(raw, &a))
	require.Equal(t, "composite", a.Runs.Using)
	for name := range inputs {
		_, ok := a.Inputs[name]
		require.Truef(t, ok, "%s/action.yml has no input %q", dir, name)
	}
	res := &result{outputs: map[string]string{}, steps: map[string]map[string]string{}}
	subst := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			g := expr.FindStringSubmatch(m)
			switch g[1] {
			case "inputs":
				if v, ok := inputs[g[2]]; ok {
					return v
				}
				in, ok := a.Inputs[g[2]]
				require.Truef(t, ok, "%s refers to an input %q the action does not declare", m, g[2])
				return in.Default
			case "steps":
				return res.steps[g[2]][g[3]]
			}
			t.Fatalf("an expression the test does not know: %s", m)
			return ""
		})
	}
	failed := false
	for i, st := range a.Runs.Steps {
		if failed && st.If != "always()" {
			continue
		}
		if st.Uses != "" {
			with := map[string]string{"uses": st.Uses}
			for k, v := range st.With {
				with[k] = subst(v)
			}
			res.uploads = append(res.uploads, with)
			continue
		}
		require.Equal(t, "bash", st.Shell, "step %d", i)
		outFile := filepath.Join(r.temp, fmt.Sprintf("output-%d-%d", time.Now().UnixNano(), i))
		envFile := filepath.Join(r.temp, fmt.Sprintf("env-%d-%d", time.Now().UnixNano(), i))
		script := filepath.Join(r.temp, fmt.Sprintf("step-%d-%d.sh", time.Now().UnixNano(), i))
		require.NoError(t, os.WriteFile(script, []byte(st.Run), 0o644))
		require.NoError(t, os.WriteFile(outFile, nil, 0o644))
		require.NoError(t, os.WriteFile(envFile, nil, 0o644))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = r.workspace
		cmd.Env = append(os.Environ(), "GITHUB_OUTPUT="+outFile, "GITHUB_ENV="+envFile, "RUNNER_TEMP="+r.temp,
			"GITHUB_ACTION_PATH="+dir, "GITHUB_WORKSPACE="+r.workspace, "GITHUB_ACTIONS=true", "CI=true")
		for k, v := range r.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		for k, v := range st.Env {
			cmd.Env = append(cmd.Env, k+"="+subst(v))
		}
		out, err := cmd.CombinedOutput()
		cancel()
		res.log += string(out)
		code := 0
		if err != nil {
			code = -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			failed = true
		}
		res.codes = append(res.codes, code)
		if st.ID != "" {
			res.steps[st.ID] = readKV(t, outFile)
		}
		for k, v := range readKV(t, envFile) {
			r.env[k] = v
		}
	}
	for name, o := range a.Outputs {
		res.outputs[name] = subst(o.Value)
	}
	return res
}

func readKV(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		require.Truef(t, ok, "%s: a line that is not NAME=VALUE: %q", file, sc.Text())
		kv[k] = v
	}
	return kv
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	return root
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func send(t *testing.T, method, url, user, pass, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "action-test/1.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestAction runs the job a user writes: the action with a scenario file of
// the workspace, the tests' requests, then the stop action with a gate
// that fails; then again with one that is met.
func TestAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phlomock and runs it; skipped with -short")
	}
	root := repoRoot(t)
	r := newRunner(t)
	scenario := "version: 1\nname: teapot\nrules:\n  - name: tea\n    match: {operation: getPhlo}\n    respond: {status: 418, body: {api_id: 8c77b816-d621-4028-afc8-1aeab1d497a8, error: I am a teapot}}\n"
	require.NoError(t, os.MkdirAll(filepath.Join(r.workspace, "testdata"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(r.workspace, "testdata", "teapot.yaml"), []byte(scenario), 0o644))
	api, admin := freePort(t), freePort(t)

	start := r.run(t, root, map[string]string{"scenario": "bad-role,testdata/teapot.yaml", "api-port": api, "admin-port": admin})
	t.Cleanup(func() { stopLeftover(r) })
	require.Equal(t, []int{0}, start.codes, "start:\n%s", start.log)
	assert.Equal(t, "http://127.0.0.1:"+api, start.outputs["api-url"])
	assert.Equal(t, "http://127.0.0.1:"+admin, start.outputs["admin-url"])
	assert.Equal(t, "MAPHLOMOCKDEFAULT001", start.outputs["auth-id"])
	token := start.outputs["admin-token"]
	assert.Regexp(t, `^[0-9a-f]{32}$`, token, "a random admin token")
	assert.Contains(t, start.log, "::add-mask::"+token, "the token is masked in the log")
	assert.Equal(t, map[string]string{"PHLORUNNER_URL": start.outputs["api-url"], "PHLOMOCK_ADMIN_URL": start.outputs["admin-url"], "PHLOMOCK_ADMIN_TOKEN": token}, r.env)

	// The job's tests.
	id, pass := start.outputs["auth-id"], start.outputs["auth-token"]
	status, body := send(t, "GET", start.outputs["api-url"]+"/v1/phlo/P1", id, pass, "")
	assert.Equal(t, 418, status, "the workspace's scenario file answers: %s", body)
	status, body = send(t, "POST", start.outputs["api-url"]+"/v1/phlo/P1/multi_party_call/N1", id, pass, `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`)
	assert.Equal(t, 400, status, "bad-role answers: %s", body)
	status, _ = send(t, "GET", start.outputs["admin-url"]+"/__admin/scenarios", "", "", "")
	assert.Equal(t, 401, status, "the control plane wants its token")

	// A second start in the same job is refused.
	again := r.run(t, root, map[string]string{"api-port": freePort(t), "admin-port": freePort(t)})
	assert.Equal(t, []int{1}, again.codes)
	assert.Contains(t, again.log, "phlomock is already running in this job")

	stopDir := filepath.Join(root, "action", "stop")
	stop := r.run(t, stopDir, map[string]string{"require": "updateMultiPartyCall/call/400\n  updateMultiPartyCall/cold_transfer/429\n", "consumer": "my-app"})
	assert.Equal(t, []int{0, 1}, stop.codes, "save succeeds, the gate fails after the upload:\n%s", stop.log)
	assert.Equal(t, "fail", stop.steps["save"]["gate"])
	assert.Contains(t, stop.log, "FAIL --require updateMultiPartyCall/cold_transfer/429: your tests never saw a 429 on updateMultiPartyCall cold_transfer")
	assert.NotContains(t, stop.log, "FAIL --require updateMultiPartyCall/call/400", "bad-role's 400 on call was seen")
	require.Len(t, stop.uploads, 1)
	dir := stop.uploads[0]["path"]
	assert.Equal(t, "actions/upload-artifact@v4", stop.uploads[0]["uses"])
	assert.Equal(t, "phlomock", stop.uploads[0]["name"])
	assert.Equal(t, filepath.Join(r.temp, "phlomock", "artifact"), dir)

	journal, err := os.ReadFile(filepath.Join(dir, "journal.jsonl"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(journal)), "\n")
	require.Len(t, lines, 2, "the two API requests, one a line")
	for _, l := range lines {
		assert.True(t, json.Valid([]byte(l)), "a line is one JSON entry: %s", l)
	}
	var junit struct {
		Failures int `xml:"failures,attr"`
	}
	x, err := os.ReadFile(filepath.Join(dir, "coverage.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(x, &junit))
	assert.Equal(t, 1, junit.Failures)
	h, err := os.ReadFile(filepath.Join(dir, "coverage.html"))
	require.NoError(t, err)
	assert.Contains(t, string(h), "your tests never saw a 429")
	p, err := os.ReadFile(filepath.Join(dir, "pact.json"))
	require.NoError(t, err)
	assert.Contains(t, string(p), `"name": "my-app"`)
	logs, err := os.ReadFile(filepath.Join(dir, "serve.log"))
	require.NoError(t, err)
	assert.NotContains(t, string(logs), token, "the admin token is never logged")
	client := &http.Client{Timeout: 2 * time.Second}
	_, err = client.Get(start.outputs["admin-url"] + "/readyz")
	assert.Error(t, err, "the fake is stopped")

	// The same job with a gate that is met passes.
	api, admin = freePort(t), freePort(t)
	start = r.run(t, root, map[string]string{"api-port": api, "admin-port": admin, "admin-token": "given-token"})
	require.Equal(t, []int{0}, start.codes, "%s", start.log)
	assert.Equal(t, "given-token", start.outputs["admin-token"])
	send(t, "GET", start.outputs["api-url"]+"/v1/phlo/P1", id, pass, "")
	stop = r.run(t, stopDir, map[string]string{"min-coverage": "0.4", "require": "getPhlo/200"})
	assert.Equal(t, []int{0, 0}, stop.codes, "%s", stop.log)
	assert.Contains(t, stop.log, "phlomock: the coverage gate is met")
}

// TestActionRefuses: inputs that cannot work stop the start step with an
// error that names them; a fake that refuses to start is reported with its
// own message, quickly; stop without start is an error.
func TestActionRefuses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phlomock and runs it; skipped with -short")
	}
	root := repoRoot(t)
	port := freePort(t)
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"port not a number", map[string]string{"api-port": "80a"}, `input api-port: "80a" is not a positive integer`},
		{"same ports", map[string]string{"api-port": port, "admin-port": port}, "inputs api-port and admin-port: both are " + port},
		{"port too big", map[string]string{"admin-port": "70000"}, "above 65535"},
		{"version", map[string]string{"version": "1.2"}, `input version: "1.2" is not a version`},
		{"unknown scenario", map[string]string{"scenario": "bad-rol", "api-port": freePort(t), "admin-port": freePort(t)}, `unknown scenario "bad-rol"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t)
			t.Cleanup(func() { stopLeftover(r) })
			res := r.run(t, root, tt.inputs)
			assert.Equal(t, []int{1}, res.codes, "%s", res.log)
			assert.Contains(t, res.log, "::error title=phlomock::")
			assert.Contains(t, res.log, tt.want)
		})
	}
	t.Run("stop without start", func(t *testing.T) {
		r := newRunner(t)
		res := r.run(t, filepath.Join(root, "action", "stop"), nil)
		assert.Equal(t, []int{1, 1}, res.codes, "%s", res.log)
		assert.Contains(t, res.log, "no phlomock was started in this job")
		require.Len(t, res.uploads, 1, "the upload step still runs (if: always())")
	})
}

// stopLeftover kills a fake a failed test left running, by its PID.
func stopLeftover(r *runner) {
	raw, err := os.ReadFile(filepath.Join(r.temp, "phlomock", "pid"))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
}
