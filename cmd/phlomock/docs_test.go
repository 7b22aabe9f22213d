package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// TestDocsScenarioExample: the example file of docs/scenarios.md, which
// shows every key, passes `scenarios check` and its own interactions under
// `conform --scenario` (it once matched a User-Agent that conform did not
// send, so its interaction failed on the fake serving it).
func TestDocsScenarioExample(t *testing.T) {
	example := doctest.First(t, doctest.Section(t, "docs/scenarios.md", "## Writing a scenario file"), "yaml", "docs/scenarios.md")
	file := filepath.Join(t.TempDir(), "example.yaml")
	require.NoError(t, os.WriteFile(file, []byte(example), 0o644))

	_, errOut, code := runScenariosCmd(t, "check", file)
	require.Equal(t, 0, code, errOut)
	code, out, errOut := conform(t, "--scenario", file)
	assert.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
	assert.Contains(t, out, "pass flaky-calls/a-call-fails-first")
}
