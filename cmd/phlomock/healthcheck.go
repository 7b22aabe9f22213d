package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const healthcheckUsage = `usage: phlomock healthcheck [--admin-addr HOST:PORT | --addr HOST:PORT --admin-prefix PATH] [--timeout 2s]

Asks a running fake's control plane for /healthz and exits 0 when it
answers 200: the container image's HEALTHCHECK, which cannot count on curl.
It reads the same PHLOMOCK_ variables as serve, so it finds the control plane
where serve put it: on --admin-addr, else on the API's --addr under
--admin-prefix (PREFIX/healthz needs no token). A wildcard host (0.0.0.0) is
probed on loopback.

Examples:
  phlomock healthcheck
  phlomock healthcheck --admin-addr 127.0.0.1:18081
  PHLOMOCK_ADMIN_ADDR= PHLOMOCK_ADMIN_PREFIX=/__admin phlomock healthcheck

Exit status: 0 healthy; 1 no answer, or an answer other than 200; 2 bad
flags, or no control plane to ask (no --admin-addr and no --admin-prefix).
`

// runHealthcheck exits 0 when the control plane answers /healthz with 200.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", stderr, healthcheckUsage)
	adminAddr := fs.String("admin-addr", envDefault("ADMIN_ADDR", "127.0.0.1:8081"), "address of the control plane; empty: the API's --addr under --admin-prefix (env PHLOMOCK_ADMIN_ADDR)")
	addr := fs.String("addr", envDefault("ADDR", "127.0.0.1:8080"), "address of the API, asked when --admin-addr is empty (env PHLOMOCK_ADDR)")
	prefix := fs.String("admin-prefix", envDefault("ADMIN_PREFIX", ""), "the control plane's path on the API's port (env PHLOMOCK_ADMIN_PREFIX)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	url, err := healthURL(*adminAddr, *addr, *prefix)
	if err != nil {
		return usageError("healthcheck: " + err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usageError(err.Error())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("healthcheck: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &exitError{code: 1, err: fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)}
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// healthURL is the URL to probe, found as serve places the control plane:
// its own address when it has one, else the API's address under the
// prefix. A wildcard host (0.0.0.0, ::, empty) is probed on loopback.
func healthURL(adminAddr, addr, prefix string) (string, error) {
	switch {
	case adminAddr != "":
		base, err := probeBase("--admin-addr", adminAddr)
		return base + "/healthz", err
	case prefix != "":
		base, err := probeBase("--addr", addr)
		return base + prefix + "/healthz", err
	}
	return "", errors.New("no control plane to ask: --admin-addr (PHLOMOCK_ADMIN_ADDR) is empty and there is no --admin-prefix (PHLOMOCK_ADMIN_PREFIX)")
}

func probeBase(flag, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", flag, addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
