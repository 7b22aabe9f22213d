package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/phlomock/phlomock/bench/internal/benchkit"
)

// The request every load and every readiness probe sends: the seed's cold
// transfer with the fake's default account. cold_transfer.lua sends the same.
const (
	seedPath = benchkit.SeedPath
	seedBody = benchkit.SeedBody
	seedAuth = benchkit.SeedAuth
)

// seedRequest is the raw HTTP/1.1 request the probes write on a fresh
// connection, so that a probe measures the server and not a client library.
var seedRequest = []byte("POST " + seedPath + " HTTP/1.1\r\n" +
	"Host: 127.0.0.1\r\n" +
	"Authorization: " + seedAuth + "\r\n" +
	"Content-Type: application/json\r\n" +
	"Content-Length: " + strconv.Itoa(len(seedBody)) + "\r\n" +
	"Connection: close\r\n\r\n" + seedBody)

// A target is one server under test: how to start it on a given address.
type target struct {
	name string
	// argv returns the command line that makes the server listen on addr;
	// admin is a second free loopback address for servers that want one.
	argv func(addr, admin string) []string
	// ok tells whether a probe's status means "answered". It is 201 for
	// phlomock and the baseline; Prism answers what the contract's first
	// success response says.
	ok func(status int) bool
	// startRuns is how many start-up measurements to take.
	startRuns int
	// peer marks another mock server (Prism, WireMock): measured beside
	// phlomock, left out of the long run.
	peer bool
	// warmup, when longer than the run's, is this server's warm-up at
	// each concurrency (a JVM's compiler needs seconds of load).
	warmup time.Duration
}

// A proc is a started server.
type proc struct {
	t       target
	cmd     *exec.Cmd
	addr    string
	logPath string
	exited  chan struct{}
	waitErr error
	// served counts the requests the load generator sent it (for the
	// long-run RSS figure).
	served int64
}

// start execs t on free loopback ports and waits for its first successful
// answer to the seed request; it returns the time from exec to that answer.
func start(ctx context.Context, t target, dir string, timeout time.Duration) (*proc, time.Duration, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, 0, err
	}
	admin, err := benchkit.FreeAddr()
	if err != nil {
		return nil, 0, err
	}
	argv := t.argv(addr, admin)
	logf, err := os.CreateTemp(dir, strings.ReplaceAll(t.name, " ", "_")+"-*.log")
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	// A file rather than a pipe: the server's writes are then plain syscalls
	// with no reader goroutine of ours in the measurement.
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{t: t, cmd: cmd, addr: addr, logPath: logf.Name(), exited: make(chan struct{})}

	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", t.name, err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()

	deadline := began.Add(timeout)
	for {
		status, err := probe(addr)
		if err == nil && t.ok(status) {
			return p, time.Since(began), nil
		}
		select {
		case <-p.exited:
			return nil, 0, fmt.Errorf("%s exited before answering (%v): %s", t.name, p.waitErr, p.logTail())
		case <-ctx.Done():
			p.stop()
			return nil, 0, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			last := fmt.Sprintf("last error: %v", err)
			if err == nil {
				last = fmt.Sprintf("last status: %d", status)
			}
			return nil, 0, fmt.Errorf("%s did not answer on %s within %v (%s): %s", t.name, addr, timeout, last, p.logTail())
		}
		// Short enough to resolve start-up to a tenth of a millisecond, long
		// enough not to take a core from the server starting on a 2-core box.
		time.Sleep(100 * time.Microsecond)
	}
}

// probe sends the seed request on a new connection and returns the status.
func probe(addr string) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(seedRequest); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (p *proc) url() string { return "http://" + p.addr + seedPath }

// stop asks the server to shut down and kills it (and its children) if it
// has not within five seconds.
func (p *proc) stop() {
	pgid := -p.cmd.Process.Pid
	syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(pgid, syscall.SIGKILL)
		<-p.exited
	}
}

// rss returns the resident set size of the server process (VmRSS), in bytes.
func (p *proc) rss() (int64, error) {
	return benchkit.Status(p.cmd.Process.Pid, "VmRSS:")
}

// logTail returns the end of the server's output, for error messages.
func (p *proc) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	b = bytes.TrimSpace(b)
	if len(b) > 800 {
		b = b[len(b)-800:]
	}
	if len(b) == 0 {
		return "(no output)"
	}
	return string(b)
}

var errNoWrk = errors.New("wrk not found on PATH")
