package certify_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/openapi"
)

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./certify -update writes it")
	assert.Equal(t, string(want), got, "%s (left) differs from this run (right); review, then -update", path)
}

func TestUnsupportedIsSkipped(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := certify.Select(certify.Cases(), "hold/ok,getMultiPartyCall/ok,hangup/ok")
	require.NoError(t, err)
	r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
		Driver: driver.Options{Env: append(os.Environ(), helperEnv+"=unsupported-hold", "PHLOMOCK_CERTIFY_HELPER=1")}}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(t, err)
	verdicts := map[string]certify.Verdict{}
	for _, res := range rep.Results {
		verdicts[res.Case.ID] = res.Verdict
	}
	assert.Equal(t, map[string]certify.Verdict{
		"hold/ok":              certify.VerdictSkipped, // "unsupported" at run time
		"getMultiPartyCall/ok": certify.VerdictSkipped, // not in the hello
		"hangup/ok":            certify.VerdictPass,
	}, verdicts)
	assert.True(t, rep.Certified(), "skipped cases do not count against a client")

	cases, err = certify.Select(certify.Cases(), "getMultiPartyCall/*")
	require.NoError(t, err)
	rep, err = r.Run(context.Background(), cases)
	require.NoError(t, err)
	assert.False(t, rep.Certified(), "a client that passes no case is not certified")
}

func TestBrokenDriverFailsTheRun(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
		Driver: driver.Options{Env: append(os.Environ(), helperEnv+"=exit", "PHLOMOCK_CERTIFY_HELPER=1"), CallTimeout: 10 * time.Second}}
	_, err = r.Run(context.Background(), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, driver.ErrExited)
}
