package openapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// The ids of the spec's path parameter examples, which Dredd sends.
const (
	examplePhlo = "e564a9c0-6f8d-4d8e-a0e0-2fd3c8f5b6a1"
	exampleNode = "3c5b2a17-2f8e-4f1a-9b3c-5d6e7f8a9b0c"
)

var dreddSummary = regexp.MustCompile(`complete: (\d+) passing, (\d+) failing, (\d+) errors, (\d+) skipped, (\d+) total`)

// TestDredd runs Dredd (pinned in testdata/dredd, installed by make
// testdeps) on the shipped spec, phlorunner.yaml as it is, against the
// fake: every documented response of every operation is one transaction,
// the hooks in testdata/dredd/hooks.js provoke each documented error, and
// every transaction must pass. The fake validates its own answers too
// (fake/faketest), so a transaction passes only when Dredd and the fake
// both read the answer as the spec says.
func TestDredd(t *testing.T) {
	sdktest.SkipShort(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "dredd"))
	require.NoError(t, err)
	dredd := filepath.Join(dir, "node_modules", ".bin", "dredd")
	_, statErr := os.Stat(dredd)
	sdktest.Need(t, sdktest.HasCommand("node") && statErr == nil, "dredd (npm ci --prefix openapi/testdata/dredd)")

	fake := faketest.NewServer(t, fake.Config{Options: mockserver.Options{StrictIDs: true}, World: mockserver.StaticWorld{examplePhlo: {exampleNode}}})
	for _, name := range []string{"forbidden.yaml", "action-200.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		sc, err := scenarios.Parse(name, data)
		require.NoError(t, err)
		require.NoError(t, fake.Director.Load(sc))
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	spec, err := filepath.Abs("phlorunner.yaml")
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, dredd, spec, fake.URL,
		"--hookfiles", filepath.Join(dir, "hooks.js"),
		"--user", mockserver.DefaultAuthID+":"+mockserver.DefaultAuthToken,
		"--color", "false", "--loglevel", "error")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	m := dreddSummary.FindSubmatch(out)
	require.NotNilf(t, m, "no Dredd summary (err %v):\n%s", err, out)
	n := func(i int) int { v, _ := strconv.Atoi(string(m[i])); return v }
	passing, failing, errs, skipped, total := n(1), n(2), n(3), n(4), n(5)
	t.Logf("dredd: %d passing, %d failing, %d errors, %d skipped, %d total", passing, failing, errs, skipped, total)
	require.Zerof(t, failing+errs+skipped, "Dredd:\n%s", out)
	require.NoErrorf(t, err, "Dredd exited non-zero:\n%s", out)
	// 7 operations with 7 or 8 documented statuses each: Dredd must
	// have read them all, not skipped what it could not parse.
	require.GreaterOrEqualf(t, total, 50, "Dredd ran %d transactions, want every documented response (at least 50):\n%s", total, out)
	require.Equal(t, total, passing)
}
