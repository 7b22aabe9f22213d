package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --html writes the page beside the text report; a file that cannot be
// written is exit 2 naming the flag.
func TestHTMLReports(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "conform.html")
	code, out, errOut := conform(t, "--scenario", "success", "--html", page)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<span class="verdict pass" id="verdict">conforms</span>`)
	assert.Contains(t, string(b), "the in-process fake")

	code, _, errOut = conform(t, "--scenario", "success", "--html", filepath.Join(dir, "no", "such", "dir.html"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "conform: --html:")

	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("PHLOMOCK_TEST_LAZY_DRIVER", "1")
	page = filepath.Join(dir, "certify.html")
	code, out, errOut = certifyCmd(t, "--driver", shellQuote(exe)+" -test.run=^TestLazyDriverHelper$", "--cases", "getPhlo/ok", "--html", page)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	b, err = os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<span class="verdict fail" id="verdict">NOT certified</span>`)
	assert.Contains(t, string(b), `<code>sent-nothing</code>`)
	assert.Contains(t, string(b), "No request was sent.")
}
