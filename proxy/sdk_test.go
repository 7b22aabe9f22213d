package proxy_test

import (
	"context"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
)

// TestUnmodifiedClients: plivo-go, plivo-node and curl work through the
// proxy as they do against its target (phlomock here) without noticing
// it, and the exchanges show no drift.
func TestUnmodifiedClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts SDK drivers; skipped with -short")
	}
	params := driver.Params{PhloID: phloID, NodeID: nodeID, To: "+14152224444", Role: "agent", TriggerSource: "+14152225555"}
	ops := []string{driver.OpGetPhlo, driver.OpColdTransfer, driver.OpCall, driver.OpRunPhlo}
	for _, client := range []struct {
		name  string
		start func(testing.TB) (string, string)
	}{{"plivo-go", sdktest.PlivoGo}, {"plivo-node", sdktest.PlivoNode}} {
		t.Run(client.name, func(t *testing.T) {
			command, dir := client.start(t)
			target := faketest.NewServer(t, fake.Config{}, "success")
			f := newFront(t, target.URL, mockserver.Options{}, nil)
			d, err := driver.Start(context.Background(), command, driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second})
			require.NoError(t, err)
			defer func() { assert.NoError(t, d.Close()) }()
			for _, op := range ops {
				direct, err := d.Call(context.Background(), driver.CallMessage{ID: "direct/" + op, Operation: op,
					BaseURL: target.URL, AuthID: target.AuthID, AuthToken: target.AuthToken, Params: params})
				require.NoError(t, err)
				proxied, err := d.Call(context.Background(), driver.CallMessage{ID: "proxied/" + op, Operation: op,
					BaseURL: f.URL, AuthID: target.AuthID, AuthToken: target.AuthToken, Params: params})
				require.NoError(t, err)
				assert.Equalf(t, direct.Outcome, proxied.Outcome, "%s: direct %+v, proxied %+v", op, direct, proxied)
				assert.Equalf(t, slices.Sorted(maps.Keys(direct.Fields)), slices.Sorted(maps.Keys(proxied.Fields)), "%s: the fields the client surfaced", op)
				if direct.Error != nil && proxied.Error != nil {
					assert.Equalf(t, direct.Error.Status, proxied.Error.Status, "%s", op)
				}
			}
			n := len(target.Journal(mockserver.Filter{})) / 2 // half went through the proxy
			require.Positive(t, n)
			rep := f.report(t, n)
			assert.Empty(t, rep.Drift)
			assert.Empty(t, rep.Errors)
			assert.Equal(t, 0, rep.ExitCode(), "violations: %+v", rep.Violations)
		})
	}

	t.Run("curl", func(t *testing.T) {
		sdktest.Need(t, sdktest.HasCommand("curl"), "curl")
		target := faketest.NewServer(t, fake.Config{})
		f := newFront(t, target.URL, mockserver.Options{}, nil)
		out, err := exec.Command("curl", "-s", "-u", mockserver.DefaultAuthID+":"+mockserver.DefaultAuthToken,
			"-d", `{"action":"cold_transfer","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`,
			"-w", `\n%{http_code}`, f.URL+nodePath).Output()
		require.NoError(t, err)
		answer, status, _ := strings.Cut(string(out), "\n")
		assert.Equal(t, "201", strings.TrimSpace(status))
		assert.Equal(t, "", decodeJSON(t, []byte(answer))["error"])
		rep := f.report(t, 1)
		assert.Empty(t, rep.Drift)
		assert.Equal(t, 0, rep.ExitCode())
	})
}
