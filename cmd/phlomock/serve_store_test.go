package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/wait"
)

func TestServeStoreRefused(t *testing.T) {
	s := redistest.Start(t)
	gone := strings.Replace(s.URL(0), "redis://", "redis://ci:hunter22@", 1)
	s.Stop()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unreachable", []string{"--store", gone}, "--store: store redis://ci:xxxxx@" + s.Addr + "/0"},
		{"not a store", []string{"--store", "postgres://ci:hunter22@db/x"}, "--store postgres://ci:xxxxx@db/x: want memory or redis://"},
		{"empty prefix", []string{"--store", gone, "--store-prefix", ""}, "--store-prefix must not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, c.args...), &out, &errw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Equal(t, 2, exitCode(err, io.Discard))
			for _, text := range []string{err.Error(), out.String(), errw.String()} {
				assert.NotContains(t, text, "hunter22")
			}
		})
	}
}

// TestServeStoreReadiness: /readyz follows Redis, down and back, and the
// password is in neither the banner nor the logs.
func TestServeStoreReadiness(t *testing.T) {
	s := redistest.Start(t, "--requirepass", "hunter22")
	srv := startServe(t, "--store", strings.Replace(s.URL(1), "redis://", "redis://default:hunter22@", 1))
	waitReady(t, srv.admin, http.StatusOK)
	s.Stop()
	waitReady(t, srv.admin, http.StatusServiceUnavailable)
	s.Restart()
	waitReady(t, srv.admin, http.StatusOK)
	assert.NotContains(t, srv.logs.String(), "hunter22")
	assert.Contains(t, srv.logs.String(), "store unreachable")
}

// waitReady polls /readyz until it answers want; the bound is generous
// (the check runs every second) and only stops a broken test.
func waitReady(t *testing.T, admin string, want int) {
	t.Helper()
	wait.UntilNil(t, 15*time.Second, "/readyz", func() error { return readyz(admin, want) })
}

// readyz is nil when admin's /readyz answers want.
func readyz(admin string, want int) error {
	resp, err := http.Get(admin + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("got %d, want %d", resp.StatusCode, want)
	}
	return nil
}
