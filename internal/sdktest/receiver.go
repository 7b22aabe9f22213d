package sdktest

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Callback is one event callback as a receiver got it: whether the SDK's
// validator accepted its signature, and its variables.
type Callback struct {
	Valid       bool              `json:"valid"`
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Vars        map[string]string `json:"vars"`
	ContentType string            `json:"content_type"`
	Answered    int               `json:"answered"`
}

// A Receiver is a webhook receiver in another process, written as an
// application would write it, which checks every callback with an official
// SDK's validator, unmodified (callbacks/testdata/receiver-*).
type Receiver struct {
	URL   string
	lines chan Callback
}

// Next waits for the next callback the receiver got (30 s at most).
func (r *Receiver) Next(tb testing.TB) Callback {
	tb.Helper()
	select {
	case got, ok := <-r.lines:
		if !ok {
			tb.Fatalf("the receiver exited")
		}
		return got
	case <-time.After(30 * time.Second):
		tb.Fatalf("no callback reached the receiver in 30 s")
	}
	return Callback{}
}

// GoReceiver builds and starts callbacks/testdata/receiver-go, which checks
// with plivo-go's ValidateSignatureV3; args are its flags (-token, -status,
// -fail-first, -sleep). It has a module of its own, as the drivers do.
func GoReceiver(tb testing.TB, args ...string) *Receiver {
	tb.Helper()
	SkipShort(tb)
	Need(tb, HasCommand("go"), "the go command")
	dir := filepath.Join(filepath.Dir(driverDir(tb, "plivo-go")), "..", "..", "callbacks", "testdata", "receiver-go")
	bin := filepath.Join(tb.TempDir(), "receiver-go")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building the receiver: %v\n%s", err, out)
	}
	return startReceiver(tb, exec.Command(bin, args...))
}

// NodeReceiver starts callbacks/testdata/receiver-node, which checks with
// plivo-node's validateV3Signature (the plivo-node driver's node_modules).
func NodeReceiver(tb testing.TB, token string) *Receiver {
	tb.Helper()
	SkipShort(tb)
	Need(tb, HasCommand("node"), "node")
	drv := driverDir(tb, "plivo-node")
	modules := filepath.Join(drv, "node_modules")
	_, err := os.Stat(filepath.Join(modules, "plivo", "package.json"))
	Need(tb, err == nil, "certify/drivers/plivo-node/node_modules")
	script := filepath.Join(drv, "..", "..", "..", "callbacks", "testdata", "receiver-node", "receiver.js")
	cmd := exec.Command("node", script, token)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	return startReceiver(tb, cmd)
}

func startReceiver(tb testing.TB, cmd *exec.Cmd) *Receiver {
	tb.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		tb.Fatalf("the receiver printed no address")
	}
	r := &Receiver{URL: strings.TrimSpace(sc.Text()), lines: make(chan Callback, 4096)}
	go func() {
		defer close(r.lines)
		for sc.Scan() {
			var got Callback
			if err := json.Unmarshal(sc.Bytes(), &got); err == nil {
				r.lines <- got
			}
		}
	}()
	return r
}
