package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/internal/wait"
)

// relGet sends GET url with headers as name, value pairs and returns the
// status, the headers and the body.
func relGet(tb testing.TB, url string, header ...string) (int, http.Header, string) {
	tb.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(tb, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return resp.StatusCode, resp.Header, string(raw)
}

func basicAuth(id, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+token))
}

// heldPost opens a connection and sends a member action's headers with
// Expect: 100-continue, then waits for the server's 100 Continue: net/http
// sends it when the handler first reads the body, so on return the request
// is in the handler, in flight by any definition, and stays there until
// finish sends the body. finish returns the final answer.
func heldPost(tb testing.TB, api, auth string, header ...string) (finish func() (*http.Response, error)) {
	tb.Helper()
	host := strings.TrimPrefix(api, "http://")
	conn, err := net.Dial("tcp", host)
	require.NoError(tb, err)
	tb.Cleanup(func() { conn.Close() })
	body := `{"action":"hold"}`
	extra := ""
	for i := 0; i+1 < len(header); i += 2 {
		extra += header[i] + ": " + header[i+1] + "\r\n"
	}
	_, err = fmt.Fprintf(conn, "POST /v1/phlo/P1/multi_party_call/N1/members/+14152223333 HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n%s\r\n",
		host, auth, len(body), extra)
	require.NoError(tb, err)
	require.NoError(tb, conn.SetReadDeadline(time.Now().Add(time.Minute)))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(tb, err, "waiting for 100 Continue")
	resp.Body.Close()
	require.Equal(tb, http.StatusContinue, resp.StatusCode, "the handler reads the body")
	return func() (*http.Response, error) {
		if _, err := io.WriteString(conn, body); err != nil {
			return nil, err
		}
		return http.ReadResponse(br, nil)
	}
}

// The limits of serve are set by its flags: each one holds.
func TestServeLimits(t *testing.T) {
	t.Run("in flight", func(t *testing.T) {
		// A body still arriving holds no slot (BodyFirst): the slot is
		// held by a request whose rule delays its answer.
		file := filepath.Join(t.TempDir(), "held.yaml")
		require.NoError(t, os.WriteFile(file, []byte("version: 1\nname: held\nrules:\n  - name: held\n    match: {operation: updateMember}\n    respond: {delay: 3s}\n"), 0o644))
		s := startServe(t, "--max-in-flight", "1", "--scenario", file)
		finish := heldPost(t, s.api, basicAuth(s.id, s.token))
		answered := make(chan struct{})
		var resp *http.Response
		var err error
		go func() { defer close(answered); resp, err = finish() }() // the body: the request takes the slot for 3 s
		var status int
		var hdr http.Header
		var body string
		require.Eventually(t, func() bool {
			status, hdr, body = relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token))
			return status == http.StatusServiceUnavailable
		}, 2*time.Second, 5*time.Millisecond, "got %d %s, want 503 while the one slot is held", status, body)
		assert.Equal(t, "1", hdr.Get("Retry-After"))
		assert.Equal(t, "application/json", hdr.Get("Content-Type"))
		assert.Contains(t, body, `"api_id"`)
		assert.Contains(t, body, "the limit is 1")
		<-answered
		require.NoError(t, err, "the held request finishes")
		resp.Body.Close()
		assert.Equal(t, http.StatusCreated, resp.StatusCode, "the held request finishes")
		status, _, body = relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token))
		assert.Equalf(t, http.StatusOK, status, "got %d %s once the slot is free", status, body)
	})
	t.Run("header bytes", func(t *testing.T) {
		s := startServe(t, "--max-header-bytes", "2048")
		status, hdr, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token), "X-Pad", strings.Repeat("p", 3000))
		assert.Equalf(t, http.StatusRequestHeaderFieldsTooLarge, status, "body %s", body)
		assert.Equal(t, "application/json", hdr.Get("Content-Type"))
		assert.Contains(t, body, "the limit is 2048 bytes")
		status, _, _ = relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token), "X-Pad", strings.Repeat("p", 1000))
		assert.Equal(t, http.StatusOK, status)
	})
	t.Run("read header timeout", func(t *testing.T) {
		s := startServe(t, "--read-header-timeout", "100ms")
		for name, url := range map[string]string{"API": s.api, "control plane": s.admin} {
			conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			require.NoError(t, err)
			defer conn.Close()
			closed := make(chan struct{})
			go func() { _, _ = io.Copy(io.Discard, conn); close(closed) }()
			head := "GET /healthz HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Slow: loris\r\n", 16) + "\r\n"
			sent := 0
		trickle: // one byte every 20 ms: 5 s for the whole, 50 times the timeout
			for ; sent < len(head); sent++ {
				select {
				case <-closed:
					break trickle
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{head[sent]}); err != nil {
					break
				}
			}
			assert.Lessf(t, sent, len(head), "%s: got all the headers sent slowly, want the connection closed first", name)
		}
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv("PHLOMOCK_MAX_HEADER_BYTES", "2048")
		s := startServe(t)
		status, _, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token), "X-Pad", strings.Repeat("p", 3000))
		assert.Equalf(t, http.StatusRequestHeaderFieldsTooLarge, status, "body %s", body)
		for _, env := range []string{"MAX_IN_FLIGHT", "MAX_HEADER_BYTES", "READ_HEADER_TIMEOUT", "READ_TIMEOUT", "IDLE_TIMEOUT"} {
			t.Run(env, func(t *testing.T) {
				t.Setenv("PHLOMOCK_"+env, "lots")
				err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, io.Discard, io.Discard)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "PHLOMOCK_"+env)
				assert.Equal(t, 2, exitCode(err, io.Discard))
			})
		}
	})
	t.Run("bad values", func(t *testing.T) {
		for _, args := range [][]string{
			{"--max-in-flight", "0"},
			{"--max-header-bytes", "10"},
			{"--read-timeout", "0s"},
			{"--idle-timeout", "-1s"},
		} {
			err := run(t.Context(), append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, args...), io.Discard, io.Discard)
			require.Errorf(t, err, "%v", args)
			assert.Contains(t, err.Error(), args[0])
			assert.Equal(t, 2, exitCode(err, io.Discard))
		}
	})
}

// Secrets never reach the logs or the journal: Basic passwords (right or
// wrong), bearer tokens sent to the API, the control plane's token.
func TestServeRedactsSecrets(t *testing.T) {
	const token, wrong, bearer, adminToken = "tok-1f0c6e1d", "wrong-9a7b", "bearer-5c3d", "admin-77e2a9"
	s := startServe(t, "--auth-token", token, "--log-level", "debug", "--admin-prefix", "/__admin", "--admin-token", adminToken)
	for _, auth := range []string{basicAuth(s.id, token), basicAuth(s.id, wrong), "Bearer " + bearer, "Basic " + base64.StdEncoding.EncodeToString([]byte(token))} {
		status, _, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", auth)
		require.Containsf(t, []int{200, 401}, status, "body %s", body)
	}
	status, _, _ := relGet(t, s.api+"/__admin/journal", "Authorization", "Bearer "+wrong)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _, journal := relGet(t, s.admin+"/__admin/journal", "Authorization", "Bearer "+adminToken) // the token guards the own port too
	require.Equal(t, http.StatusOK, status)
	status, _, viaAPI := relGet(t, s.api+"/__admin/journal", "Authorization", "Bearer "+adminToken)
	require.Equal(t, http.StatusOK, status)
	var page struct {
		Entries []struct {
			Header http.Header `json:"header"`
		} `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(journal), &page))
	require.Len(t, page.Entries, 4)
	assert.Equal(t, "Basic "+s.id+":[redacted]", page.Entries[0].Header.Get("Authorization"), "the Auth ID is kept")
	for name, text := range map[string]string{"logs": s.logs.String(), "journal": journal, "journal via the API port": viaAPI} {
		for _, secret := range []string{token, wrong, bearer, adminToken, base64.StdEncoding.EncodeToString([]byte(s.id + ":" + token))} {
			assert.NotContainsf(t, text, secret, "the %s hold a secret", name)
		}
	}
}

// The control plane is not on the API's port unless --admin-prefix puts it
// there (behind --admin-token, see TestServeSinglePort).
func TestServeControlPlaneOffTheAPIPort(t *testing.T) {
	s := startServe(t)
	auth := basicAuth(s.id, s.token)
	for _, path := range []string{"/__admin/journal", "/__admin/scenarios", "/__admin/reset", "/healthz", "/readyz", "/__admin/", "/%5F%5Fadmin/journal"} {
		status, hdr, body := relGet(t, s.api+path, "Authorization", auth)
		assert.Equalf(t, http.StatusNotFound, status, "GET %s on the API port: %s", path, body)
		assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	}
}

// buildPhlomock builds the command into a temporary directory.
func buildPhlomock(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "phlomock")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoErrorf(tb, err, "go build: %s", out)
	return bin
}

// TestServeSIGTERMUnderLoad runs the built binary, puts requests in flight
// (bodies still arriving, answers delayed by the slow scenario) under a
// steady load, sends SIGTERM, and checks that every request in flight gets
// its whole answer and the process exits 0.
func TestServeSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildPhlomock(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--shutdown-timeout", "30s")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoErrorf(t, err, "stderr: %s", stderr.String())
	m := startLine.FindStringSubmatch(line)
	require.NotNilf(t, m, "start-up line %q", line)
	api, admin, auth := m[1], m[2], basicAuth(m[3], m[4])
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	// Load: clients sending valid and invalid requests until the server goes.
	stopLoad := make(chan struct{})
	var load sync.WaitGroup
	var loadMu sync.Mutex
	loadStatuses := map[int]int{}
	var loaded atomic.Int64
	for i := range 4 {
		load.Go(func() {
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				body := []string{`{"action":"hold"}`, `{"action":`}[i%2]
				req, _ := http.NewRequest("POST", api+"/v1/phlo/P1/multi_party_call/N1/members/+14152223333", strings.NewReader(body))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					continue // the server is gone or going: no answer is fine, half of one is not
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				loaded.Add(1)
				loadMu.Lock()
				if err != nil || !json.Valid(raw) {
					loadStatuses[-1]++
				} else {
					loadStatuses[resp.StatusCode]++
				}
				loadMu.Unlock()
			}
		})
	}

	wait.Until(t, 30*time.Second, "the load is on (300 requests answered)", func() bool { return loaded.Load() >= 300 })

	// In flight: bodies still arriving, and answers the slow scenario delays.
	// Each request is known to be in the handler before SIGTERM (heldPost
	// waits for the 100 Continue the handler's first body read sends), so
	// every one must be answered whole: none may be dropped or cut.
	var finishes []func() (*http.Response, error)
	for range 6 {
		finishes = append(finishes, heldPost(t, api, auth))
	}
	type answer struct {
		status int
		body   []byte
		err    error
	}
	slow := make(chan answer, 6)
	for range cap(slow) {
		finish := heldPost(t, api, auth, "X-Phlomock-Scenario", "slow")
		go func() { // the body now, the answer 200-500 ms later
			resp, err := finish()
			if err != nil {
				slow <- answer{err: err}
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			slow <- answer{resp.StatusCode, body, err}
		}()
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	wait.Until(t, 10*time.Second, "the shutdown has begun: /readyz stops answering 200", func() bool {
		resp, err := http.Get(admin + "/readyz")
		if err != nil {
			return true
		}
		resp.Body.Close()
		return resp.StatusCode != http.StatusOK
	})
	// The rest of the bodies arrive after the shutdown began.
	whole := 0
	for i, finish := range finishes {
		resp, err := finish()
		require.NoErrorf(t, err, "request in flight %d", i)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoErrorf(t, err, "request in flight %d: an answer cut in the middle", i)
		assert.Equalf(t, http.StatusCreated, resp.StatusCode, "request in flight %d: %s", i, raw)
		assert.Truef(t, json.Valid(raw), "request in flight %d: got %q, want a whole JSON answer", i, raw)
		whole++
	}
	for range cap(slow) {
		a := <-slow
		require.NoError(t, a.err, "a slow request in flight")
		assert.Equalf(t, http.StatusCreated, a.status, "slow request: %s", a.body)
		assert.Truef(t, json.Valid(a.body), "slow request: got %q, want a whole JSON answer", a.body)
		whole++
	}
	t.Logf("requests in flight at SIGTERM: %d answered whole", whole)
	close(stopLoad)
	load.Wait()

	err = cmd.Wait()
	require.NoErrorf(t, err, "exit: stderr %s", stderr.String())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
	assert.Contains(t, stderr.String(), "stopped")
	loadMu.Lock()
	defer loadMu.Unlock()
	assert.Zerof(t, loadStatuses[-1], "load answers cut in the middle: %v", loadStatuses)
	for status := range loadStatuses {
		assert.Containsf(t, []int{201, 400}, status, "load answers: %v", loadStatuses)
	}
	t.Logf("load during the shutdown: %v answers by status", loadStatuses)
}

// TestServeCustomToken: --auth-token replaces the default account's token,
// although the default scenario (success) declares the default account.
func TestServeCustomToken(t *testing.T) {
	s := startServe(t, "--auth-token", "custom-tok")
	status, _, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, "custom-tok"))
	assert.Equalf(t, http.StatusOK, status, "the configured token: %s", body)
	status, _, body = relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, "phlomock-default-auth-token"))
	assert.Equalf(t, http.StatusUnauthorized, status, "the default token, replaced: %s", body)
}
