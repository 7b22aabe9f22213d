package certify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
)

// TestTextSkipsOnce: a client that offers few operations has its skipped
// cases said once, on one line for the operations it does not offer, not
// again in the table, which lists the cases run.
func TestTextSkipsOnce(t *testing.T) {
	rep := helperRun(t, "transfers-only-no-timeout", "*/ok,getPhlo/*")
	_, passed, _, skipped := rep.Counts()
	require.GreaterOrEqual(t, passed, 2, "coldTransfer/ok and warmTransfer/ok run")
	require.Greater(t, skipped, 10)
	var b strings.Builder
	require.NoError(t, certify.WriteText(&b, rep))
	text := b.String()
	for _, res := range rep.Results {
		if res.Verdict != certify.VerdictSkipped {
			assert.Regexp(t, `(?m)^`+res.Case.ID+` +`+string(res.Verdict), text, "a case run is in the table")
			continue
		}
		assert.NotRegexp(t, `(?m)^`+res.Case.ID+` `, text, "a skipped case is not in the table: %s", text)
	}
	skipLines := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "skip ") {
			skipLines++
		}
	}
	assert.Equal(t, 1, skipLines, "one line for the operations not offered: %s", text)
	assert.Contains(t, text, fmt.Sprintf("skip %d cases: the client does not offer runPhlo, getPhlo, ", skipped))
	assert.NotContains(t, text, "getPhlo/", "the cases of an operation not offered are not listed: %s", text)
	t.Log(text)
}
