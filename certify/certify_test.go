package certify_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

var update = flag.Bool("update", false, "rewrite the golden files and docs/certification/")

// certifyWith runs the whole certification with one driver.
func certifyWith(tb testing.TB, command, dir string, cases []certify.Case) *certify.Report {
	tb.Helper()
	return certifyOn(tb, nil, command, dir, cases)
}

// certifyOn is certifyWith with the fake's state in st (nil: memory).
func certifyOn(tb testing.TB, st *redisstore.Store, command, dir string, cases []certify.Case) *certify.Report {
	tb.Helper()
	spec, err := openapi.Load()
	require.NoError(tb, err)
	var backend fake.Backend // a nil *redisstore.Store is no backend
	var sessions func(string) fake.Backend
	if st != nil {
		backend, sessions = st, func(id string) fake.Backend { return st.Session(id) }
	}
	r := &certify.Runner{Spec: spec, Command: command, Store: backend, SessionBackend: sessions, Driver: driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second}}
	begin := time.Now()
	rep, err := r.Run(context.Background(), cases)
	require.NoError(tb, err)
	tb.Logf("certified %s %s in %s (%d cases)", rep.Client, rep.Version, time.Since(begin).Round(time.Millisecond), len(rep.Results))
	return rep
}

// onStores runs f twice, table-driven: with the fake in the process
// (memory), and with its state in a real redis-server (internal/redistest)
// as `phlomock serve --store redis://...` keeps it (Runner.Store). open
// returns the store of one run: nil in memory, else a connection with a
// key prefix of its own, so that runs in parallel do not share a fake. The
// Redis run fails unless the cases' journal was read from Redis.
func onStores(t *testing.T, f func(t *testing.T, open func(testing.TB) *redisstore.Store)) {
	t.Run("memory", func(t *testing.T) { f(t, func(testing.TB) *redisstore.Store { return nil }) })
	t.Run("redis", func(t *testing.T) {
		r := redistest.Start(t)
		var runs, reads atomic.Int32
		t.Cleanup(func() {
			if !t.Failed() && !t.Skipped() && reads.Load() == 0 {
				t.Errorf("no journal read from Redis in %d runs: the runs did not use the store", runs.Load())
			}
		})
		f(t, func(tb testing.TB) *redisstore.Store {
			tb.Helper()
			st, err := redisstore.Open(context.Background(), r.URL(0), fmt.Sprintf("certify%d:", runs.Add(1)))
			require.NoError(tb, err)
			tb.Cleanup(func() { st.Close() })
			st.Observe(func(cmd string, _ time.Duration, _ error) {
				if cmd == "xrange" || cmd == "xrevrange" {
					reads.Add(1)
				}
			})
			return st
		})
	})
}

var (
	phlomockOnce sync.Once
	phlomockBin  string
	phlomockErr  error
)

// buildPhlomock builds cmd/phlomock once per test binary, for the
// reference driver `phlomock driver`.
func buildPhlomock(tb testing.TB) string {
	tb.Helper()
	phlomockOnce.Do(func() {
		dir, err := os.MkdirTemp("", "phlomock-certify-")
		if err != nil {
			phlomockErr = err
			return
		}
		phlomockBin = filepath.Join(dir, "phlomock")
		out, err := exec.Command("go", "build", "-o", phlomockBin, "../cmd/phlomock").CombinedOutput()
		if err != nil {
			phlomockErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(tb, phlomockErr)
	return phlomockBin
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.out) }

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if phlomockBin != "" {
		os.RemoveAll(filepath.Dir(phlomockBin))
	}
	os.Exit(code)
}
