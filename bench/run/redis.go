package main

import (
	"context"
	"os/exec"

	"github.com/phlomock/phlomock/internal/redistest"
)

// startRedis starts a redis-server for the run (redistest.Launch: a free
// loopback port, no persistence) and returns its URL and how to stop it
// (by its PID); mode "off", or "auto" without redis-server installed,
// gives "".
func startRedis(_ context.Context, mode, dir string, progress func(string, ...any)) (string, func(), error) {
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
	s, err := redistest.Launch(bin, dir)
	if err != nil {
		return "", none, err
	}
	progress("redis-server on %s for the --store redis rounds", s.Addr)
	return s.URL(0), s.Stop, nil
}
