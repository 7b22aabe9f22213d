package certify_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/openapi"
)

var update = flag.Bool("update", false, "rewrite the golden files and docs/certification/")

// certifyWith runs the whole certification with one driver.
func certifyWith(tb testing.TB, command, dir string, cases []certify.Case) *certify.Report {
	tb.Helper()
	spec, err := openapi.Load()
	require.NoError(tb, err)
	r := &certify.Runner{Spec: spec, Command: command, Driver: driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second}}
	begin := time.Now()
	rep, err := r.Run(context.Background(), cases)
	require.NoError(tb, err)
	tb.Logf("certified %s %s in %s (%d cases)", rep.Client, rep.Version, time.Since(begin).Round(time.Millisecond), len(rep.Results))
	return rep
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
