package openapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// TestNewman runs Newman (pinned in testdata/newman, installed by make
// testdeps) on the project's Postman collection, as it is, against the
// fake: its base_url variable pointed at the fake, nothing else changed.
// Every request must run and every assertion of the collection's test
// scripts pass (the status each item saves, 201 for the 14 actions, a JSON
// body with an api_id, an empty error on actions).
func TestNewman(t *testing.T) {
	sdktest.SkipShort(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "newman"))
	require.NoError(t, err)
	newman := filepath.Join(dir, "node_modules", ".bin", "newman")
	_, statErr := os.Stat(newman)
	sdktest.Need(t, sdktest.HasCommand("node") && statErr == nil, "newman (npm ci --prefix openapi/testdata/newman)")

	fake := faketest.NewServer(t, fake.Config{})
	collection, err := filepath.Abs("phlorunner.postman_collection.json")
	require.NoError(t, err)
	report := filepath.Join(t.TempDir(), "newman.json")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, newman, "run", collection,
		"--env-var", "base_url="+fake.URL,
		"--reporters", "cli,json", "--reporter-json-export", report,
		"--color", "off", "--disable-unicode")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	raw, rerr := os.ReadFile(report)
	require.NoErrorf(t, rerr, "no Newman report (exit %v):\n%s", err, out)
	var rep struct {
		Run struct {
			Stats map[string]struct {
				Total  int `json:"total"`
				Failed int `json:"failed"`
			} `json:"stats"`
			Executions []struct {
				Item struct {
					Name string `json:"name"`
				} `json:"item"`
				Response struct {
					Code int `json:"code"`
				} `json:"response"`
			} `json:"executions"`
		} `json:"run"`
	}
	require.NoError(t, json.Unmarshal(raw, &rep))
	st := rep.Run.Stats
	t.Logf("newman: %d requests, %d assertions, %d failed", st["requests"].Total, st["assertions"].Total, st["assertions"].Failed)
	assert.Equal(t, 18, st["requests"].Total, "every item of the collection ran")
	assert.Zerof(t, st["requests"].Failed, "requests that failed:\n%s", out)
	assert.GreaterOrEqual(t, st["assertions"].Total, 18*2+14, "the collection's assertions: 2 per item, 1 more per action")
	assert.Zerof(t, st["assertions"].Failed, "Newman:\n%s", out)
	require.NoErrorf(t, err, "Newman exited non-zero:\n%s", out)
	created := 0
	for _, e := range rep.Run.Executions {
		if e.Response.Code == 201 {
			created++
		}
	}
	assert.Equal(t, 15, created, "201 for the 14 actions and the run")
}
