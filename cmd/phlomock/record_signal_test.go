package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/mockserver"
)

// TestRecordSurvivesSIGTERM: a `phlomock proxy --record FILE` process sent
// methods the contract has no word for (TRACE, PROPFIND, CONNECT, a
// lowercase get, one nobody knows) and then SIGTERM writes FILE (by a
// temporary file and a rename: no temporary file is left), `phlomock
// scenarios check FILE` passes, and every exchange is in it, as an
// interaction or as a comment saying why it is not one.
func TestRecordSurvivesSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts a process")
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","error":"method not allowed"}`)
			return
		}
		_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","phlo_id":"`+proxyPhlo+`","name":"seen","created_on":"2020-08-01 09:05:11.846982+00:00"}`)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	file := filepath.Join(dir, "seen.yaml")
	bin := replicaBinary(t)
	cmd := exec.Command(bin, "proxy", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--target", upstream.URL, "--record", file)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	logs := &syncbuf.Buffer{}
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoErrorf(t, err, "no start-up line; stderr: %s", logs.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	m := proxyLine.FindStringSubmatch(line)
	require.NotNilf(t, m, "start-up line %q", line)
	api := m[1]

	phlo := "/v1/phlo/" + proxyPhlo
	sent := []struct{ method, path string }{
		{"GET", phlo}, {"TRACE", phlo}, {"PROPFIND", "/dav/"}, {"get", phlo}, {"PURGE", phlo}, {"DELETE", phlo},
		{"GET", "/odd path/é"},
	}
	for _, s := range sent {
		req, err := http.NewRequest(s.method, api+s.path, nil)
		require.NoError(t, err)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, s.method)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// CONNECT in authority form, as a client tunnelling through would.
	conn, err := net.Dial("tcp", strings.TrimPrefix(api, "http://"))
	require.NoError(t, err)
	_, err = io.WriteString(conn, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	connectAnswer, _ := io.ReadAll(conn)
	conn.Close()

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit 20 s after SIGTERM; stderr: %s", logs.String())
	}
	data, err := os.ReadFile(file)
	require.NoErrorf(t, err, "the recording is written on SIGTERM; stderr: %s", logs.String())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only the recording: no temporary file left")

	check, err := exec.Command(bin, "scenarios", "check", file).CombinedOutput()
	require.NoErrorf(t, err, "phlomock scenarios check: %s\n%s", check, data)

	text := string(data)
	assert.Contains(t, text, "seen", "the world the GET showed")
	for _, want := range []string{
		"GET getPhlo answers 200", "get " + phlo, "DELETE " + phlo, `/odd path/é`, // interactions
		`# ` + "  TRACE \"" + phlo + "\"", `PROPFIND "/dav/"`, `PURGE "` + phlo + `"`, // comments
	} {
		assert.Contains(t, text, want, "%s", text)
	}
	assert.Contains(t, text, `#   CONNECT ""`, "the CONNECT the proxy answered (%q) is in the file", connectAnswer)
}
