package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/internal/wait"
)

// The multi-process harness: several `phlomock serve --store URL` processes
// pointed at one store, as behind a load balancer. The binary is built once
// per test binary (replicaBinary) and removed by TestMain.

// A replica is one `phlomock serve` process started by startReplicas.
type replica struct {
	API   string // the API's base URL
	Admin string // the control plane's base URL (--admin-addr)
	// Auth is the Authorization header of the default account.
	Auth string
	// Cmd is the process: Cmd.Process.Kill() is the SIGKILL of a crash.
	Cmd  *exec.Cmd
	Logs *syncbuf.Buffer // stderr
	done chan struct{}
}

var replicaBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if replicaBin.dir != "" {
		os.RemoveAll(replicaBin.dir)
	}
	os.Exit(code)
}

// replicaBinary builds the command once for every test of the package that
// starts processes.
func replicaBinary(tb testing.TB) string {
	tb.Helper()
	replicaBin.once.Do(func() {
		replicaBin.dir, replicaBin.err = os.MkdirTemp("", "phlomock-replicas-")
		if replicaBin.err != nil {
			return
		}
		replicaBin.path = filepath.Join(replicaBin.dir, "phlomock")
		out, err := exec.Command("go", "build", "-o", replicaBin.path, ".").CombinedOutput()
		if err != nil {
			replicaBin.err = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(tb, replicaBin.err)
	return replicaBin.path
}

// startReplicas starts n `phlomock serve --store storeURL args...`
// processes on free loopback ports, waits until each one's /readyz answers
// 200 and stops them in tb's cleanup (SIGTERM, then SIGKILL after 10 s).
func startReplicas(tb testing.TB, n int, storeURL string, args ...string) []*replica {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds the binary and starts processes")
	}
	bin := replicaBinary(tb)
	rs := make([]*replica, n)
	for i := range rs {
		rs[i] = startReplica(tb, bin, append([]string{"--store", storeURL}, args...)...)
	}
	for _, r := range rs {
		r.waitReady(tb, http.StatusOK)
	}
	return rs
}

func startReplica(tb testing.TB, bin string, args ...string) *replica {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	r := &replica{Cmd: cmd, Logs: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = r.Logs
	require.NoError(tb, cmd.Start())
	go func() { _ = cmd.Wait(); close(r.done) }()
	tb.Cleanup(r.stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoErrorf(tb, err, "replica %d: no start-up line; stderr: %s", cmd.Process.Pid, r.Logs.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	m := startLine.FindStringSubmatch(line)
	require.NotNilf(tb, m, "start-up line %q", line)
	r.API, r.Admin, r.Auth = m[1], m[2], basicAuth(m[3], m[4])
	return r
}

// stop ends the process by its PID: SIGTERM, then SIGKILL if it has not
// exited within 10 s. A replica already killed is fine.
func (r *replica) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.Cmd.Process.Kill()
		<-r.done
	}
}

// waitReady polls the replica's /readyz until it answers want (see
// waitReady in serve_store_test.go for the bound).
func (r *replica) waitReady(tb testing.TB, want int) {
	tb.Helper()
	wait.UntilNil(tb, 15*time.Second, "replica "+r.Admin+" /readyz", func() error {
		select {
		case <-r.done:
			tb.Fatalf("replica %d exited: %s", r.Cmd.Process.Pid, r.Logs.String())
		default:
		}
		return readyz(r.Admin, want)
	})
}

// TestReplicasReadyFollowStore: every replica's /readyz turns 503 while
// their shared Redis is down, and 200 again on its own when it returns.
func TestReplicasReadyFollowStore(t *testing.T) {
	s := redistest.Start(t)
	rs := startReplicas(t, 2, s.URL(0))
	s.Stop()
	for _, r := range rs {
		r.waitReady(t, http.StatusServiceUnavailable)
		// the answer says why, so an operator reading it knows where to look
		resp, err := http.Get(r.Admin + "/readyz")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(body), `"status":"store unreachable: redis://127.0.0.1:`)
	}
	s.Restart()
	for _, r := range rs {
		r.waitReady(t, http.StatusOK)
	}
}
