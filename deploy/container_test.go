package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// image is the tag the test builds; rebuilding moves it and the image it
	// leaves behind is removed, so runs do not pile images up.
	image = "phlomock:test"

	// requireEnv makes a missing podman a failure instead of a skip (CI).
	requireEnv = "PHLOMOCK_REQUIRE_CONTAINER"

	// The default account of the fake (README).
	authID    = "MAPHLOMOCKDEFAULT001"
	authToken = "phlomock-default-auth-token"

	// Plivo-shaped ids; the default world accepts any.
	phloID = "e564bb4b-1c3c-4b4e-9a5e-0f2d1f0b3c3d"
	nodeID = "0c7b8e4a-7c14-4a5a-8f0c-2b6a4b7e9d11"

	// Bounds on waiting for podman and the container: generous, because
	// the machine is shared, and only there to make a hang a failure.
	buildWait   = 5 * time.Minute
	startWait   = 2 * time.Minute
	healthWait  = 30 * time.Second
	requestWait = 10 * time.Second
)

// uuidRE is the shape of api_id.
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestContainer builds the image with `make docker`, runs it as a CI service
// would (a published loopback port, the HEALTHCHECK as readiness) and sends it
// the seed's request and a refused one, then stops it as CI would.
func TestContainer(t *testing.T) {
	pm := newPodman(t)
	root := repoRoot(t)

	localImage(t, pm, root)

	t.Run("image", func(t *testing.T) {
		out, err := pm.run(t, startWait, "image", "inspect", image)
		require.NoError(t, err)
		var got []struct {
			Config struct {
				User         string
				ExposedPorts map[string]struct{}
				Entrypoint   []string
				Cmd          []string
			}
			HealthCheck *struct{ Test []string }
		}
		require.NoError(t, json.Unmarshal([]byte(out), &got), "podman image inspect: %s", out)
		require.Len(t, got, 1)
		c := got[0].Config
		assert.Equal(t, "65532:65532", c.User, "the image must not run as root")
		assert.Contains(t, c.ExposedPorts, "8080/tcp")
		assert.Equal(t, []string{"/phlomock"}, c.Entrypoint)
		assert.Equal(t, []string{"serve"}, c.Cmd)
		if assert.NotNil(t, got[0].HealthCheck, "no HEALTHCHECK: was the image built with --format docker?") {
			assert.Equal(t, []string{"CMD", "/phlomock", "healthcheck"}, got[0].HealthCheck.Test)
		}
	})

	// The size the README and docs/container.md give is the image's.
	t.Run("size as documented", func(t *testing.T) {
		out, err := pm.run(t, startWait, "image", "inspect", "--format", "{{.Size}}", image)
		require.NoError(t, err)
		size, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
		require.NoError(t, err, "podman image inspect: %s", out)
		for file, re := range map[string]*regexp.Regexp{
			"README.md":         regexp.MustCompile("on `scratch`, about ([0-9.]+) MB"),
			"docs/container.md": regexp.MustCompile(`The image is about ([0-9.]+) MB \(([0-9.]+) MB measured`),
		} {
			text, err := os.ReadFile(filepath.Join(root, file))
			require.NoError(t, err)
			m := re.FindStringSubmatch(string(text))
			require.NotNil(t, m, "%s gives the image's size as %s", file, re)
			for _, figure := range m[1:] {
				doc, err := strconv.ParseFloat(figure, 64)
				require.NoError(t, err)
				assert.InEpsilon(t, size/1e6, doc, 0.1, "%s says %s MB; the image is %.1f MB", file, figure, size/1e6)
			}
		}
	})

	// A fresh clone's `docker build .` (no binary, no BASE) stops with a
	// sentence saying what to run, not a missing-file error.
	t.Run("bare build says make docker", func(t *testing.T) {
		out, err := pm.run(t, buildWait, "build", "--format", "docker", "--layers=false", "-t", "phlomock:bare-build-test", root)
		require.Error(t, err, "a build without BASE must fail: %s", out)
		assert.Contains(t, err.Error(), "run make docker")
	})

	// The version make docker stamps in (git describe), not "dev".
	t.Run("version", func(t *testing.T) {
		out, err := pm.run(t, startWait, "run", "--rm", image, "version")
		require.NoError(t, err)
		describe, err := exec.Command("git", "-C", root, "describe", "--tags", "--always", "--dirty").Output()
		require.NoError(t, err)
		assert.Equal(t, "phlomock "+strings.TrimSpace(string(describe)), strings.TrimSpace(out))
	})

	// A mounted file the image's user (65532) cannot read is named as such.
	t.Run("unreadable mounted file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "mine.yaml")
		require.NoError(t, os.WriteFile(file, []byte("version: 1\nname: mine\n"), 0o600))
		for _, env := range []string{"PHLOMOCK_SCENARIO=/in/mine.yaml", "PHLOMOCK_SPEC=/in/mine.yaml"} {
			t.Run(env, func(t *testing.T) {
				out, err := pm.run(t, startWait, "run", "--rm", "--volume", file+":/in/mine.yaml:ro", "--env", env, image)
				require.Error(t, err, "serve must refuse: %s", out)
				assert.Contains(t, err.Error(), "/in/mine.yaml: permission denied: the image runs as uid 65532; make the file readable")
			})
		}
	})

	name, base := startContainer(t, pm)
	waitHealthy(t, pm, name)

	// The seed's request: "Cold transfer a caller", as its curl command sends
	// it, and the same with a role the contract does not allow.
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantError  string // a word the "error" must contain; "" wants ""
	}{
		{
			name:       "seed cold transfer",
			body:       `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`,
			wantStatus: http.StatusCreated,
		},
		{
			name:       "bad role",
			body:       `{"action":"cold_transfer","to":"+14152225555","role":"boss","trigger_source":"+14152223333"}`,
			wantStatus: http.StatusBadRequest,
			wantError:  "role",
		},
	}
	client := &http.Client{Timeout: requestWait}
	url := base + "/v1/phlo/" + phloID + "/multi_party_call/" + nodeID
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(tt.body))
			require.NoError(t, err)
			req.SetBasicAuth(authID, authToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			require.Equal(t, tt.wantStatus, resp.StatusCode, "got status %d, want %d; body: %s", resp.StatusCode, tt.wantStatus, raw)
			assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			var got struct {
				APIID string  `json:"api_id"`
				Error *string `json:"error"`
			}
			require.NoError(t, json.Unmarshal(raw, &got), "body is not JSON: %s", raw)
			assert.Regexp(t, uuidRE, got.APIID, "api_id")
			require.NotNil(t, got.Error, `no "error" in %s`, raw)
			if tt.wantError == "" {
				assert.Empty(t, *got.Error)
			} else {
				assert.Contains(t, *got.Error, tt.wantError, "the error must name the field")
			}
		})
	}

	// The conformance suite against the container, as a CI job would run it
	// against a service: the host binary `make docker` built, --target, the
	// default account, and any ids (the default world accepts them).
	t.Run("conform", func(t *testing.T) {
		bin := filepath.Join(root, "bin", "phlomock-linux-"+runtime.GOARCH)
		ctx, cancel := context.WithTimeout(t.Context(), startWait)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "conform", "--target", base,
			"--auth-id", authID, "--auth-token", authToken,
			"--phlo-id", phloID, "--node-id", nodeID, "--live")
		cmd.Env = withoutPhlomockEnv(os.Environ())
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		require.NoError(t, err, "phlomock conform --target %s:\n%s", base, out.String())
		assert.Regexp(t, `conform: \d+ cases, \d+ passed, 0 failed`, out.String())
	})

	// Last: a CI service is stopped with SIGTERM, and the fake must shut
	// down cleanly on it rather than be killed after the grace period.
	t.Run("stops on SIGTERM", func(t *testing.T) {
		_, err := pm.run(t, startWait, "stop", "--time", "20", name)
		require.NoError(t, err)
		out, err := pm.run(t, startWait, "inspect", "--format", "{{.State.ExitCode}}", name)
		require.NoError(t, err)
		assert.Equal(t, "0", strings.TrimSpace(out), "exit code after SIGTERM")
	})
}

// podman runs the podman command with the configuration CI needs here.
type podman struct {
	path string
	env  []string
}

// newPodman finds podman and runc, or skips (fails under
// PHLOMOCK_REQUIRE_CONTAINER=1).
func newPodman(tb testing.TB) *podman {
	tb.Helper()
	path, err := exec.LookPath("podman")
	if err == nil {
		_, err = exec.LookPath("runc")
	}
	if err != nil {
		if os.Getenv(requireEnv) == "1" {
			tb.Fatalf("%v, and %s=1: install podman and runc (.ci/run does)", err, requireEnv)
		}
		tb.Skipf("%v: skipping the container test (install podman and runc, or set %s=1 to make this a failure)", err, requireEnv)
	}
	env := environWithout(os.Environ(), "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	if os.Getenv("CONTAINERS_CONF") == "" {
		// Without it podman fails here: runc may not set the default
		// rlimits, and there is no systemd for cgroups.
		conf, err := filepath.Abs("containers.conf")
		require.NoError(tb, err)
		env = append(env, "CONTAINERS_CONF="+conf)
	}
	return &podman{path: path, env: env}
}

// run runs podman with args under a bounded context and returns its standard
// output; the error carries standard error.
func (p *podman) run(tb testing.TB, wait time.Duration, args ...string) (string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.path, append([]string{"--runtime", "runc"}, args...)...)
	cmd.Env = p.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %w\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// logs is what the container printed, standard output and error together.
func (p *podman) logs(tb testing.TB, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.path, "logs", name)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(podman logs: %v)\n%s", err, out)
	}
	return string(out)
}

// imageID is the id of image, "" when there is none.
func (p *podman) imageID(tb testing.TB) string {
	tb.Helper()
	out, err := p.run(tb, startWait, "image", "inspect", "--format", "{{.Id}}", image)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// imageBuilt is true once localImage has built image in this run.
var (
	imageOnce  sync.Once
	imageBuilt bool
)

// localImage builds image once per run of the package's tests: the tests
// that need it share one build (minutes on a loaded machine).
func localImage(tb testing.TB, p *podman, root string) {
	tb.Helper()
	imageOnce.Do(func() {
		buildImage(tb, p, root)
		imageBuilt = true
	})
	if !imageBuilt {
		tb.Fatalf("building %s failed in an earlier test of this run", image)
	}
}

// buildImage builds image with the documented command, `make docker`, and
// removes the image the tag pointed to before.
func buildImage(tb testing.TB, p *podman, root string) {
	tb.Helper()
	old := p.imageID(tb)

	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "-C", root, "docker", "DOCKER="+p.path, "IMAGE="+image)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	require.NoError(tb, err, "make docker:\n%s", out)

	if id := p.imageID(tb); old != "" && old != id {
		// Best effort: a container of another run may still use it.
		if _, err := p.run(tb, startWait, "rmi", old); err != nil {
			tb.Logf("leaving the previous %s image: %v", image, err)
		}
	}
}

// startContainer runs image detached with its port 8080 published on a port
// of the host's loopback that podman picks, and removes the container when
// the test ends. It returns the container's name and the fake's base URL.
func startContainer(tb testing.TB, p *podman) (name, baseURL string) {
	tb.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name = fmt.Sprintf("phlomock-test-%d-%s", os.Getpid(), hex.EncodeToString(suffix))

	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("logs of %s:\n%s", name, p.logs(tb, name))
		}
		if _, err := p.run(tb, startWait, "rm", "--force", "--time", "5", name); err != nil {
			tb.Errorf("removing the container: %v", err)
		}
	})
	_, err := p.run(tb, startWait, "run", "--detach", "--name", name,
		"--label", "phlomock.test=deploy", "--publish", "127.0.0.1::8080",
		// As a CI job that runs the conformance suite would: only the
		// PHLO and node it names exist, so unknown ids answer 404.
		"--env", "PHLOMOCK_STRICT_IDS=true", "--env", "PHLOMOCK_IDS="+phloID+"/"+nodeID,
		image)
	require.NoError(tb, err)

	out, err := p.run(tb, startWait, "inspect", "--format", "{{json .NetworkSettings.Ports}}", name)
	require.NoError(tb, err)
	var ports map[string][]struct{ HostIP, HostPort string }
	require.NoError(tb, json.Unmarshal([]byte(out), &ports), "podman inspect: %s", out)
	if b := ports["8080/tcp"]; len(b) == 1 && b[0].HostPort != "" {
		return name, "http://127.0.0.1:" + b[0].HostPort
	}
	tb.Fatalf("port 8080 of %s is not published: got %s, want one binding", name, out)
	return "", ""
}

// waitHealthy runs the image's HEALTHCHECK until it passes, for at most
// healthWait. Podman schedules health checks with systemd timers, which this
// machine does not have, so the test runs them itself, as Docker would.
func waitHealthy(tb testing.TB, p *podman, name string) {
	tb.Helper()
	deadline := time.Now().Add(healthWait)
	var last error
	for {
		_, err := p.run(tb, startWait, "healthcheck", "run", name)
		if err == nil {
			return
		}
		last = err
		state, serr := p.run(tb, startWait, "inspect", "--format", "{{.State.Status}}", name)
		if serr == nil && strings.TrimSpace(state) != "running" {
			tb.Fatalf("the container is %s, not running; last health check: %v", strings.TrimSpace(state), last)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not healthy after %s: %v", healthWait, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// repoRoot is the directory above this package, where the Dockerfile is.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs("..")
	require.NoError(tb, err)
	_, err = os.Stat(filepath.Join(root, "Dockerfile"))
	require.NoError(tb, err, "no Dockerfile at the repository root")
	return root
}

// environWithout drops the variables named from env: the test may run under
// `make test`, and the inner make must not inherit its flags.
func environWithout(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if k == n {
				drop = true
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// withoutPhlomockEnv drops PHLOMOCK_ variables, so the CI job's own settings
// cannot change what the conform run checks.
func withoutPhlomockEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PHLOMOCK_") {
			out = append(out, kv)
		}
	}
	return out
}
