package contract_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/openapi"
)

// TestCodesDocumented keeps the tables of violation codes in doc.go and
// docs/conformance.md complete: codes are API, and a code nobody can look up is
// useless in a report.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	readme := doctest.Read(t, "docs/conformance.md")
	for _, c := range contract.Codes() {
		assert.Contains(t, string(doc), "//\t"+string(c)+" ", "doc.go: got no row for code %s, want one", c)
		assert.Contains(t, readme, "`"+string(c)+"`", "docs/conformance.md: got no mention of code %s, want one", c)
	}
	// No row in doc.go for a code that does not exist.
	rows := regexp.MustCompile(`(?m)^//\t([a-z][a-z-]+) {2,}`).FindAllStringSubmatch(string(doc), -1)
	var documented []contract.Code
	for _, r := range rows {
		documented = append(documented, contract.Code(r[1]))
	}
	assert.Equal(t, contract.Codes(), documented, "doc.go's table, in order")
}

// TestReadmeCaseCount keeps the README's count of derived cases true.
func TestReadmeCaseCount(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{MaxExamples: -1})
	require.NoError(t, err)
	readme := doctest.Read(t, "README.md")
	assert.Contains(t, readme, fmt.Sprintf("checks a server against the contract: %d cases derived from every", len(cases)))
	assert.Contains(t, readme, fmt.Sprintf("%d more drawn with a printed `--seed`", contract.DefaultMaxExamples))
	conf := doctest.Read(t, "docs/conformance.md")
	assert.Contains(t, conf, fmt.Sprintf("every constraint of `openapi/phlorunner.yaml` (%d\ntoday, plus %d drawn with a seed)", len(cases), contract.DefaultMaxExamples))
}
