package callbacks_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/sdktest"
)

// received is one callback as an external receiver printed it.
type received struct {
	Valid       bool              `json:"valid"`
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Vars        map[string]string `json:"vars"`
	ContentType string            `json:"content_type"`
	Answered    int               `json:"answered"`
}

// receiver is a webhook receiver in another process, which verifies each
// callback with an official SDK's validator.
type receiver struct {
	URL   string
	lines chan received
}

// next waits for the next callback the receiver got.
func (r *receiver) next(tb testing.TB) received {
	tb.Helper()
	select {
	case got, ok := <-r.lines:
		require.True(tb, ok, "the receiver exited")
		return got
	case <-time.After(30 * time.Second):
		tb.Fatalf("no callback reached the receiver in 30 s")
	}
	return received{}
}

// goReceiver builds and starts testdata/receiver-go (plivo-go's
// ValidateSignatureV3), in a module of its own like the certify drivers.
func goReceiver(tb testing.TB, args ...string) *receiver {
	tb.Helper()
	sdktest.SkipShort(tb)
	sdktest.Need(tb, sdktest.HasCommand("go"), "the go command")
	bin := filepath.Join(tb.TempDir(), "receiver-go")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("testdata", "receiver-go")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building the receiver: %v\n%s", err, out)
	}
	return start(tb, exec.Command(bin, args...))
}

// nodeReceiver starts testdata/receiver-node (plivo-node's
// validateV3Signature) with the certify driver's node_modules.
func nodeReceiver(tb testing.TB, token string) *receiver {
	tb.Helper()
	sdktest.SkipShort(tb)
	sdktest.Need(tb, sdktest.HasCommand("node"), "node")
	modules, err := filepath.Abs(filepath.Join("..", "certify", "drivers", "plivo-node", "node_modules"))
	require.NoError(tb, err)
	_, err = os.Stat(filepath.Join(modules, "plivo", "package.json"))
	sdktest.Need(tb, err == nil, "certify/drivers/plivo-node/node_modules")
	cmd := exec.Command("node", filepath.Join("testdata", "receiver-node", "receiver.js"), token)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	return start(tb, cmd)
}

func start(tb testing.TB, cmd *exec.Cmd) *receiver {
	tb.Helper()
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	cmd.Stderr = os.Stderr
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	require.True(tb, sc.Scan(), "the receiver printed no address")
	r := &receiver{URL: strings.TrimSpace(sc.Text()), lines: make(chan received, 1024)}
	go func() {
		defer close(r.lines)
		for sc.Scan() {
			var got received
			if err := json.Unmarshal(sc.Bytes(), &got); err == nil {
				r.lines <- got
			}
		}
	}()
	return r
}
