package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// The example file docs/scenarios.md shows is a valid scenario (and
// cmd/phlomock's TestDocsScenarioExample runs its interactions).
func TestReadmeExampleParses(t *testing.T) {
	example := doctest.First(t, doctest.Section(t, "docs/scenarios.md", "## Writing a scenario file"), "yaml", "docs/scenarios.md")
	s, err := Parse("docs/scenarios.md", []byte(example))
	require.NoError(t, err)
	require.NoError(t, s.Validate(known))
	_, err = Compile(s)
	require.NoError(t, err)
}
