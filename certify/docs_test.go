package certify_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// readmeSection returns the README's certify section.
func readmeSection(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("../README.md")
	require.NoError(tb, err)
	s := string(b)
	i := strings.Index(s, "<!-- section: certify -->")
	require.GreaterOrEqual(tb, i, 0, "the README has a certify section")
	s = s[i:]
	if j := strings.Index(s[1:], "\n## "); j >= 0 {
		s = s[:j+1]
	}
	return s
}

// TestCodesDocumented keeps the four lists of codes (doc.go, the README,
// docs/certification/README.md, the driver protocol) complete.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	table, err := os.ReadFile("../docs/certification/README.md")
	require.NoError(t, err)
	protocol, err := os.ReadFile("../docs/driver-protocol.md")
	require.NoError(t, err)
	readme := readmeSection(t)
	for _, c := range certify.Codes() {
		assert.Contains(t, string(doc), "//\t"+string(c)+" ", "doc.go")
		assert.Contains(t, string(table), "| `"+string(c)+"` |", "docs/certification/README.md")
		assert.Contains(t, readme, "`"+string(c)+"`", "README.md")
		assert.Contains(t, string(protocol), "`"+string(c)+"`", "docs/driver-protocol.md")
	}
	assert.Contains(t, string(doc), "(38 in all)")
	assert.Len(t, certify.Cases(), 38)
}

// TestReadmeCommands runs every `go run ./cmd/phlomock certify` line of
// the README's certify section, as written, from the repository's root
// (with a built phlomock instead of go run).
func TestReadmeCommands(t *testing.T) {
	sdktest.SkipShort(t)
	bin := buildPhlomock(t)
	lines := regexp.MustCompile(`(?m)^go run \./cmd/phlomock (certify .*?)(?:\s+#.*)?$`).FindAllStringSubmatch(readmeSection(t), -1)
	require.GreaterOrEqual(t, len(lines), 4)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	for _, l := range lines {
		args := l[1]
		t.Run(args, func(t *testing.T) {
			if strings.Contains(args, "python3") {
				sdktest.Python(t)
			}
			if strings.Contains(args, "perl ") {
				sdktest.Perl(t)
			}
			if strings.Contains(args, "plivo-node") {
				sdktest.PlivoNode(t)
			}
			dir := t.TempDir()
			cmd := exec.Command("sh", "-c", sdktest.Quote(bin)+" "+strings.ReplaceAll(args, "certify.xml", filepath.Join(dir, "certify.xml")))
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			want := 0
			if strings.Contains(args, "plivo-node") {
				want = 1 // not certified
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, want, code, "exit status; output:\n%s", out)
		})
	}
}
