package phlomock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/phlomock/phlomock/testcontainers/phlomock"
)

// The image under test: make testcontainers builds it with make docker and
// passes its name; without it the tests skip, unless
// PHLOMOCK_REQUIRE_CONTAINER=1 (CI), when they fail.
const (
	imageEnv   = "PHLOMOCK_IMAGE"
	requireEnv = "PHLOMOCK_REQUIRE_CONTAINER"
)

const seed = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

// TestMain serves podman's Docker-compatible API on a socket of its own for
// the whole run (no Docker daemon here), points Testcontainers at it with
// DOCKER_HOST, and disables the reaper: Ryuk's image cannot be pulled here,
// so every test terminates its container itself. The service is stopped by
// its PID at the end.
func TestMain(m *testing.M) {
	image := os.Getenv(imageEnv)
	if image == "" {
		if os.Getenv(requireEnv) == "1" {
			fmt.Fprintf(os.Stderr, "%s is not set, and %s=1: run make testcontainers\n", imageEnv, requireEnv)
			os.Exit(1)
		}
		fmt.Println("skipping: no image (make testcontainers builds one and sets " + imageEnv + ")")
		os.Exit(m.Run())
	}
	stop, err := podmanService()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func podmanService() (func(), error) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		return nil, fmt.Errorf("podman: %w", err)
	}
	dir, err := os.MkdirTemp("", "phlomock-tc-")
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "podman.sock")
	cmd := exec.Command(podman, "--runtime", "runc", "system", "service", "--time=0", "unix://"+sock)
	cmd.Env = os.Environ()
	if os.Getenv("CONTAINERS_CONF") == "" {
		// The host has no systemd: cgroupfs, as deploy/containers.conf says.
		conf, _ := filepath.Abs("../../deploy/containers.conf")
		cmd.Env = append(cmd.Env, "CONTAINERS_CONF="+conf)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = os.RemoveAll(dir)
	}
	// Ready when the API answers its ping.
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}, Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get("http://podman/_ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("podman system service: no answer on %s after 30s: %v", sock, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	os.Setenv("DOCKER_HOST", "unix://"+sock)
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	return stop, nil
}

// run starts the image with opts and terminates it when the test ends.
func run(t *testing.T, opts ...testcontainers.ContainerCustomizer) *phlomock.Container {
	t.Helper()
	image := os.Getenv(imageEnv)
	if image == "" {
		t.Skip("no image")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := phlomock.Run(ctx, image, opts...)
	t.Cleanup(func() {
		if c == nil {
			return
		}
		if t.Failed() {
			if r, err := c.Logs(context.Background()); err == nil {
				b, _ := io.ReadAll(r)
				t.Logf("container logs:\n%s", b)
			}
		}
		if err := testcontainers.TerminateContainer(c); err != nil {
			t.Errorf("terminating the container: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("phlomock.Run: %v", err)
	}
	return c
}

// post sends the seed's request with the credentials given; it returns the
// status and the "error" of the answer.
func post(t *testing.T, api, id, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, api+"/v1/phlo/P1/multi_party_call/N1", strings.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(id, token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var got struct {
		Error string `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("the answer is not JSON: %s", raw)
	}
	return resp.StatusCode, got.Error
}

func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestRun: the container answers on the URLs Run gave, with the credentials
// it gave; the scenario and the admin token given reached the fake; a
// session of its own has its own credentials and journal; and the
// container is gone once terminated.
func TestRun(t *testing.T) {
	c := run(t, phlomock.WithScenario("bad-role"), phlomock.WithAdminToken("tc-admin-token"), phlomock.WithCredentials("MATESTCONTAINERS01", "tc-auth-token"))

	if !strings.HasPrefix(c.APIURL, "http://") || !strings.HasPrefix(c.AdminURL, "http://") || c.APIURL == c.AdminURL {
		t.Fatalf("got APIURL %q and AdminURL %q, want two http:// URLs", c.APIURL, c.AdminURL)
	}
	if c.AuthID != "MATESTCONTAINERS01" || c.AuthToken != "tc-auth-token" {
		t.Fatalf("got credentials %s:%s, want the ones given", c.AuthID, c.AuthToken)
	}
	if status, _ := post(t, c.APIURL, c.AuthID, "wrong"); status != http.StatusUnauthorized {
		t.Errorf("a wrong token: got status %d, want 401", status)
	}
	status, msg := post(t, c.APIURL, c.AuthID, c.AuthToken)
	if status != http.StatusBadRequest || !strings.Contains(msg, "role") {
		t.Errorf("under bad-role: got %d %q, want 400 naming the role", status, msg)
	}

	if status, _ := get(t, c.AdminURL+"/__admin/scenarios", ""); status != http.StatusUnauthorized {
		t.Errorf("the control plane without its token: got %d, want 401", status)
	}
	status, body := get(t, c.AdminURL+"/__admin/scenarios", c.AdminToken)
	if status != http.StatusOK || !strings.Contains(body, `"active":["bad-role"]`) {
		t.Errorf("GET /__admin/scenarios: got %d %s, want bad-role active", status, body)
	}

	t.Run("session", func(t *testing.T) {
		s, err := c.NewSession(t.Context(), "success")
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == "" || s.AuthID == "" || s.AuthToken == "" {
			t.Fatalf("got session %+v, want an id and credentials", s)
		}
		if status, msg := post(t, c.APIURL, s.AuthID, s.AuthToken); status != http.StatusCreated {
			t.Errorf("in the session (success): got %d %q, want 201", status, msg)
		}
		status, body := get(t, c.AdminURL+"/__admin/journal?session="+s.ID, c.AdminToken)
		if status != http.StatusOK || strings.Count(body, `"seq"`) != 1 || !strings.Contains(body, `"status":201`) {
			t.Errorf("the session's journal: got %d %s, want its one 201", status, body)
		}
	})

	t.Run("journal", func(t *testing.T) {
		page, err := c.Journal(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Entries []struct{ Status int } `json:"entries"`
		}
		if err := json.Unmarshal(page, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 2 || p.Entries[0].Status != 401 || p.Entries[1].Status != 400 {
			t.Errorf("the default session's journal: got %+v, want the 401 and the 400", p.Entries)
		}
	})

	t.Run("terminated", func(t *testing.T) {
		if err := testcontainers.TerminateContainer(c); err != nil {
			t.Fatal(err)
		}
		if _, err := c.State(context.Background()); err == nil {
			t.Errorf("the container is still there after TerminateContainer")
		}
		client := &http.Client{Timeout: 2 * time.Second}
		if _, err := client.Get(c.AdminURL + "/readyz"); err == nil {
			t.Errorf("the control plane still answers after TerminateContainer")
		}
	})
}

// TestScenarioFile: a file of the host is copied in, readable by the
// image's user, and its rule answers.
func TestScenarioFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "teapot.yaml")
	yaml := "version: 1\nname: teapot\nrules:\n  - name: tea\n    match: {operation: getPhlo}\n    respond: {status: 418, body: {api_id: 8c77b816-d621-4028-afc8-1aeab1d497a8, error: I am a teapot}}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c := run(t, phlomock.WithScenarioFile(file))
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.APIURL+"/v1/phlo/P1", nil)
	req.SetBasicAuth(c.AuthID, c.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 418 || !strings.Contains(string(raw), "I am a teapot") {
		t.Errorf("GET /v1/phlo/P1 under the file's scenario: got %d %s, want 418", resp.StatusCode, raw)
	}
}

// TestRunRefused: a scenario the fake does not have stops it at start-up;
// Run says so instead of waiting out its timeout, and the error names the
// scenario (from the container's output).
func TestRunRefused(t *testing.T) {
	image := os.Getenv(imageEnv)
	if image == "" {
		t.Skip("no image")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := phlomock.Run(ctx, image, phlomock.WithScenario("bad-rol"))
	if c != nil {
		defer func() { _ = testcontainers.TerminateContainer(c) }()
	}
	if err == nil {
		t.Fatal("Run: got no error for an unknown scenario")
	}
	if !strings.Contains(err.Error(), "bad-rol") {
		t.Errorf("got %v, want the error to name the scenario", err)
	}
	if d := time.Since(start); d > 55*time.Second {
		t.Errorf("Run took %s: it waited for the timeout instead of seeing the fake exit", d)
	}
}
