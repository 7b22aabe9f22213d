package faketest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
)

func TestScenarioFileAndYAML(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("version: 1\nname: bad\nrules:\n  - name: r\n    respond: {status: 700}\n"), 0o644))
	broken := filepath.Join(dir, "broken.yml")
	require.NoError(t, os.WriteFile(broken, []byte("version: 1\nname: [\n"), 0o644))

	cases := []struct {
		name      string
		scenarios []string
		want      string // in Start's error; "" for none
	}{
		{"missing file", []string{filepath.Join(dir, "nowhere.yaml")}, "nowhere.yaml: no such file"},
		{"bad status", []string{bad}, bad + ":5:"},
		{"bad yaml", []string{broken}, broken + ":2:"},
		{"unknown name", []string{"bad-rol"}, `did you mean "bad-role"`},
		{"layered after a built-in", []string{"server-error", "testdata/my-bad-role.yaml"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := faketest.Start(fake.Config{}, c.scenarios...)
			if c.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			assert.Equal(t, []string{"server-error", "my-bad-role"}, s.Director.Active())
			// The later scenario's rules are tried first: a cold transfer gets
			// my-bad-role's 400, a GET server-error's 500.
			_, err = s.PhloClient().ColdTransfer(t.Context(), "P1", "N1", client.ColdTransferParams{To: "+14152225555", TriggerSource: "+14152223333"})
			assert.ErrorIs(t, err, client.ErrBadRequest)
			_, err = s.PhloClient().GetPHLO(t.Context(), "P1")
			assert.ErrorIs(t, err, client.ErrServerError)
		})
	}
}
