package scenarios

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeSection returns a section of the repository's README, from its
// heading to the next one.
func readmeSection(tb testing.TB, heading string) string {
	tb.Helper()
	data, err := os.ReadFile("../README.md")
	require.NoError(tb, err)
	text := string(data)
	start := strings.Index(text, "\n"+heading+"\n")
	require.GreaterOrEqual(tb, start, 0, "README has no %q", heading)
	rest := text[start+1:]
	if end := strings.Index(rest[len(heading):], "\n## "); end >= 0 {
		rest = rest[:len(heading)+end]
	}
	return rest
}

// The example file the README shows is a valid scenario.
func TestReadmeExampleParses(t *testing.T) {
	section := readmeSection(t, "## Scenarios")
	_, after, ok := strings.Cut(section, "```yaml\n")
	require.True(t, ok, "no yaml block in the README's Scenarios section")
	example, _, ok := strings.Cut(after, "```")
	require.True(t, ok)
	s, err := Parse("README.md", []byte(example))
	require.NoError(t, err)
	require.NoError(t, s.Validate(known))
	_, err = Compile(s)
	require.NoError(t, err)
}
