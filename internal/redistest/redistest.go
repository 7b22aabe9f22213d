package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A Server is a redis-server started by Start.
type Server struct {
	Addr   string // 127.0.0.1:PORT
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	dir    string
	tb     testing.TB
}

// URL is the store URL of database db: redis://127.0.0.1:PORT/db.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

// Need skips tb, or fails it when PHLOMOCK_REQUIRE_REDIS=1, unless
// redis-server is on PATH.
func Need(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	if os.Getenv("PHLOMOCK_REQUIRE_REDIS") == "1" {
		tb.Fatal("redis-server is not on PATH and PHLOMOCK_REQUIRE_REDIS=1: apt-get install redis-server (make testdeps)")
	}
	tb.Skip("redis-server is not on PATH (apt-get install redis-server; PHLOMOCK_REQUIRE_REDIS=1 makes this a failure)")
	return ""
}

// Start starts a redis-server for tb and stops it when tb ends. extra are
// more redis-server arguments, such as "--requirepass", "secret".
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	s, err := Launch(Need(tb), tb.TempDir(), extra...)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s.tb = tb
	tb.Cleanup(s.Stop)
	return s
}

// Launch starts the redis-server at path on a free loopback port, without
// persistence, its files in dir: Start without a test, for a program that
// wants a Redis of its own (bench/run). Stop it with Stop; Restart is for
// Start's servers only.
func Launch(path, dir string, extra ...string) (*Server, error) {
	s := &Server{dir: dir}
	var last error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("a free port: %w", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if last = s.start(path, port, extra); last == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("redis-server did not start: %w", last)
}

func (s *Server) start(path string, port int, extra []string) error {
	args := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--loglevel", "warning",
	}, extra...)
	s.cmd = exec.Command(path, args...)
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	s.exited = exited
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); close(exited) }(s.cmd)
	logged := func() string { b, _ := os.ReadFile(s.dir + "/redis.log"); return strings.TrimSpace(string(b)) }
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() == nil {
			return nil
		}
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("redis-server exited before answering: %s", logged())
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.Stop()
	return fmt.Errorf("no PONG on %s in 5s: %s", s.Addr, logged())
}

// ping sends PING and reads one line; a server with requirepass answers
// -NOAUTH, which still says it is up.
func (s *Server) ping() error {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Stop kills the server by PID and waits for it. Stopping twice is safe.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same port (after Stop), for
// tests of a store that comes back.
func (s *Server) Restart(extra ...string) {
	s.tb.Helper()
	s.Stop()
	path := Need(s.tb)
	_, p, _ := net.SplitHostPort(s.Addr)
	port, _ := strconv.Atoi(p)
	if err := s.start(path, port, extra); err != nil {
		s.tb.Fatalf("redistest: restart on %s: %v", s.Addr, err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
