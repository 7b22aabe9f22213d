package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDidYouMeanIsTheCLIs: a scenario file suggests by the rules the
// command line uses (internal/didyoumean): case, - for _ and one or two
// edits, so `path-params` is taken for `path_params` as `serve --scenario
// bad_role` is for bad-role.
func TestDidYouMeanIsTheCLIs(t *testing.T) {
	for key, want := range map[string]string{"path-params": "path_params", "Auth_ID": "auth_id", "metod": "method"} {
		_, err := Parse("k.yaml", []byte("version: 1\nname: k\nrules:\n  - name: r\n    match: {"+key+": x}\n    respond: 500\n"))
		require.Error(t, err, key)
		assert.Contains(t, err.Error(), `(did you mean "`+want+`"?)`, key)
	}
}
