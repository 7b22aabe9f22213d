package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// startRedis starts a redis-server for the run on a free loopback port,
// without persistence, and returns its URL and how to stop it (by its
// PID); mode "off", or "auto" without redis-server installed, gives "".
func startRedis(ctx context.Context, mode, dir string, progress func(string, ...any)) (string, func(), error) {
	none := func() {}
	bin := mode
	switch mode {
	case "off", "0", "false":
		return "", none, nil
	case "auto", "":
		p, err := exec.LookPath("redis-server")
		if err != nil {
			progress("redis-server not found: the --store redis rounds are left out (apt-get install -y redis-server)")
			return "", none, nil
		}
		bin = p
	}
	addr, err := freeAddr()
	if err != nil {
		return "", none, err
	}
	host, port, _ := strings.Cut(addr, ":")
	rdir := filepath.Join(dir, "redis")
	if err := os.MkdirAll(rdir, 0o700); err != nil {
		return "", none, err
	}
	cmd := exec.CommandContext(ctx, bin, "--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", rdir, "--loglevel", "warning")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		return "", none, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", none, fmt.Errorf("redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !pong(addr) {
		select {
		case <-exited:
			b, _ := os.ReadFile(logf.Name())
			return "", none, fmt.Errorf("redis-server exited before answering: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", none, fmt.Errorf("redis-server did not answer PING on %s within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	progress("redis-server on %s (pid %d) for the --store redis rounds", addr, cmd.Process.Pid)
	return "redis://" + addr + "/0", stop, nil
}

// pong reports whether a Redis answers PING on addr.
func pong(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}
