package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// TestDocsCallbacks runs docs/callbacks.md's complete example as written:
// its scenario file, its receiver (built against plivo-go, whose validator
// checks every callback), its requests, and compares what the receiver
// prints and what the control plane answers with the page. Only the
// ports are replaced by free ones.
func TestDocsCallbacks(t *testing.T) {
	sdktest.SkipShort(t)
	sdktest.Need(t, sdktest.HasCommand("go"), "the go command")
	needCurl(t)
	blocks := doctest.Blocks(doctest.Section(t, "docs/callbacks.md", "## A complete example: a cold transfer"))
	require.Len(t, blocks, 5, "yaml, go, sh, console, sh")
	yamlDoc, goDoc, requests, output, controlPlane := blocks[0].Text, blocks[1].Text, blocks[2].Text, blocks[3].Text, blocks[4].Text

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().String()
	ln.Close()

	// The receiver, in a module that requires plivo-go (the test receiver's
	// go.mod and go.sum: the same requirement).
	dir := t.TempDir()
	mod := filepath.Join(doctest.Root(t), "callbacks", "testdata", "receiver-go")
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(mod, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(strings.ReplaceAll(goDoc, "127.0.0.1:9000", port)), 0o644))
	build := exec.Command("go", "build", "-o", "receiver", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoErrorf(t, err, "building the docs' receiver: %s", out)
	rcv := exec.Command(filepath.Join(dir, "receiver"))
	stdout, err := rcv.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, rcv.Start())
	t.Cleanup(func() { _ = rcv.Process.Kill(); _ = rcv.Wait() })
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", port)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "the receiver listens")
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	file := filepath.Join(t.TempDir(), "cold-transfer-callbacks.yaml")
	writeFile(t, file, strings.ReplaceAll(yamlDoc, "127.0.0.1:9000", port))
	s := startServe(t, "--scenario", file)

	cmds := doctest.Commands(requests)
	require.Len(t, cmds, 6)
	assert.Equal(t, "phlomock serve --scenario cold-transfer-callbacks.yaml &", cmds[0])
	script := strings.ReplaceAll(strings.Join(cmds[2:], "\n"), "http://127.0.0.1:8080", s.api)
	out, err = exec.Command("sh", "-c", script).CombinedOutput()
	require.NoErrorf(t, err, "%s", out)
	assert.Equal(t, 3, strings.Count(string(out), `"error":""`), "three actions accepted: %s", out)

	want := strings.Split(strings.TrimSpace(output), "\n")
	for _, w := range want {
		select {
		case got := <-lines:
			assert.Equal(t, w, strings.TrimSpace(got))
		case <-time.After(30 * time.Second):
			t.Fatalf("the receiver printed nothing more; want %q", w)
		}
	}

	cmds = doctest.Commands(controlPlane)
	require.Len(t, cmds, 2)
	require.Eventually(t, func() bool {
		out, err := exec.Command("sh", "-c", strings.ReplaceAll(cmds[1], "http://127.0.0.1:8081", s.admin)).CombinedOutput()
		return err == nil && strings.TrimSpace(string(out)) == `{"count":1,"expect":1}`
	}, 10*time.Second, 20*time.Millisecond, "the docs' verify answers as shown")
	assert.Contains(t, controlPlane, `# {"count":1,"expect":1}`)
	out, err = exec.Command("sh", "-c", strings.ReplaceAll(cmds[0], "http://127.0.0.1:8081", s.admin)).CombinedOutput()
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(out), `"event":"ConferenceExit"`), "%s", out)
	assert.Contains(t, string(out), `"X-Plivo-Signature-V3":`)
}
