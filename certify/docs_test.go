package certify_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// readmeSection returns docs/certify.md, the page of the certify command.
func readmeSection(tb testing.TB) string {
	tb.Helper()
	return doctest.Read(tb, "docs/certify.md")
}

// TestCodesDocumented keeps the four lists of codes (doc.go, docs/certify.md,
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
		assert.Contains(t, readme, "`"+string(c)+"`", "docs/certify.md")
		assert.Contains(t, string(protocol), "`"+string(c)+"`", "docs/driver-protocol.md")
	}
	assert.Contains(t, string(doc), "(52 in all)")
	assert.Contains(t, string(table), "\n52 cases, each in a session of its own")
	assert.Len(t, certify.Cases(), 52)
	top := doctest.Read(t, "README.md")
	assert.Contains(t, top, fmt.Sprintf("for %d cases", len(certify.Cases())), "README.md: the count of certify's cases")
}

// TestReadmeCommands runs every `go run ./cmd/phlomock certify` line of
// docs/certify.md, as written, from the repository's root
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
