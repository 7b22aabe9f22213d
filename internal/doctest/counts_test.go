package doctest_test

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/internal/doctest"
)

// TestReadmeCounts keeps the numbers the README gives true: the cases
// certify runs, counted from the code, whatever it becomes.
func TestReadmeCounts(t *testing.T) {
	tests := []struct {
		heading string
		pattern string // one group: the number
		want    int
	}{
		{"## Certify a client", `surfaced, for (\d+) cases`, len(certify.Cases())},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			m := regexp.MustCompile(tt.pattern).FindStringSubmatch(doctest.Section(t, "README.md", tt.heading))
			require.NotNilf(t, m, "README.md %s: no %q", tt.heading, tt.pattern)
			got, err := strconv.Atoi(m[1])
			require.NoError(t, err)
			assert.Equalf(t, tt.want, got, "README.md %s: got %d cases, want %d (counted from the code)", tt.heading, got, tt.want)
		})
	}
}
