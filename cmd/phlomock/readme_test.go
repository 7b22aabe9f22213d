package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeQuickStartCurl runs the README's quick-start curl command, as
// written, against a fresh `phlomock serve` (only the port differs).
func TestReadmeQuickStartCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)## Quick start\n.*?```sh\n.*?```.*?```sh\n(curl .*?)\n# ").FindSubmatch(readme)
	require.NotNil(t, block, "no curl block in the README's quick start")
	cmd := string(block[1])
	require.Contains(t, cmd, "http://127.0.0.1:8080/")

	s := startServe(t)
	cmd = strings.Replace(cmd, "http://127.0.0.1:8080", s.api, 1)
	out, err := exec.Command("sh", "-c", cmd+` -s -w '\n%{http_code}'`).CombinedOutput()
	require.NoErrorf(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	assert.Equalf(t, "201", lines[len(lines)-1], "output %s", out)
	assert.Contains(t, string(out), `"error":""`)
}
