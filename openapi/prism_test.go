package openapi_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
)

// findPrism returns Stoplight Prism's executable: on PATH, or where make
// bench installs it (bench/run/prism.go), or "".
func findPrism() string {
	if p, err := exec.LookPath("prism"); err == nil {
		return p
	}
	if cache, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(cache, "phlomock-bench", "prism", "node_modules", ".bin", "prism")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestPrismProxy puts the fake, as `phlomock serve` starts (any id exists),
// behind Prism's validation proxy (without --errors: Prism forwards and
// reports what breaks the spec in an sl-violations header) and sends the
// README's requests. The fake's answers must carry no violation. It skips
// where Prism is not installed (make bench installs it).
func TestPrismProxy(t *testing.T) {
	sdktest.SkipShort(t)
	prism := findPrism()
	if prism == "" {
		t.Skip("prism is not installed (make bench installs it); skipped")
	}
	fake := faketest.NewServer(t, fake.Config{})
	port := freePort(t)
	cmd := exec.Command(prism, "proxy", "phlorunner.yaml", fake.URL, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // node may start children: stop the group
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prism's output:\n%s", log.String())
		}
	})
	wait.UntilNil(t, 90*time.Second, "prism listening on "+base, func() error {
		resp, err := client.Get(base + "/v1/phlo/P1")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})

	seed := `{"action": "cold_transfer", "to": "+14152225555", "role": "agent", "trigger_source": "+14152223333"}`
	call := `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`
	tests := []struct {
		name, method, path, ctype, body string
		wrongToken                      bool
		status                          int
	}{
		{"get the PHLO", "GET", "/v1/phlo/P1", "", "", false, 200},
		{"get the node", "GET", "/v1/phlo/P1/multi_party_call/N1", "", "", false, 200},
		{"the seed's cold transfer", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json", seed, false, 201},
		{"a call", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json", call, false, 201},
		{"hold a member", "POST", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", "application/json", `{"action":"hold"}`, false, 201},
		{"run the PHLO", "POST", "/v1/account/" + mockserver.DefaultAuthID + "/phlo/P1", "", "", false, 201},
		{"a wrong token", "GET", "/v1/phlo/P1", "", "", true, 401},
		{"a refused role", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json", `{"action":"call","to":"+1","role":"boss","trigger_source":"+2"}`, false, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := prismDo(t, client, base, tt.method, tt.path, tt.ctype, tt.body, tt.wrongToken)
			assert.Equal(t, tt.status, resp.status, "body %s", resp.body)
			if tt.status < 400 {
				assert.Empty(t, resp.violations, "sl-violations on a valid exchange")
			}
			for _, v := range resp.violations {
				// a refused request is flagged itself; its answer must not be
				assert.Equal(t, "request", v.Location[0], "a violation of the fake's answer: %+v", v)
			}
		})
	}
	// The README's quick start sends the seed with curl -d, whose
	// Content-Type is application/x-www-form-urlencoded: the fake reads it
	// as JSON (a documented leniency) and Prism flags the request, never
	// the answer.
	t.Run("curl -d", func(t *testing.T) {
		resp := prismDo(t, client, base, "POST", "/v1/phlo/P1/multi_party_call/N1", "application/x-www-form-urlencoded", seed, false)
		assert.Equal(t, 201, resp.status, "body %s", resp.body)
		require.NotEmpty(t, resp.violations, "Prism flags the form content type of the request")
		for _, v := range resp.violations {
			assert.Equal(t, "request", v.Location[0], "a violation of the answer: %+v", v)
		}
	})
}

type prismViolation struct {
	Location []string `json:"location"`
	Code     any      `json:"code"`
	Message  string   `json:"message"`
}

type prismAnswer struct {
	status     int
	body       string
	violations []prismViolation
}

func prismDo(tb testing.TB, c *http.Client, base, method, path, ctype, body string, wrongToken bool) prismAnswer {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, r)
	require.NoError(tb, err)
	token := mockserver.DefaultAuthToken
	if wrongToken {
		token = "not-the-token"
	}
	req.SetBasicAuth(mockserver.DefaultAuthID, token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := prismAnswer{status: resp.StatusCode, body: string(data)}
	if h := resp.Header.Get("sl-violations"); h != "" {
		require.NoError(tb, json.Unmarshal([]byte(h), &out.violations), "sl-violations %s", h)
		require.NotEmpty(tb, out.violations, "sl-violations %s", h)
	}
	return out
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
