package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve, conform and scenarios check read a file the same way: a rule that
// can never match (here shadowed by a catch-all) is refused by all three,
// with the same file:line:column message, and nothing starts.
func TestServeAndConformRefuseWhatCheckRefuses(t *testing.T) {
	dir := t.TempDir()
	file := writeScenarioFile(t, dir, "shadowed.yaml", `version: 1
rules:
  - name: everything
    respond: 500
  - name: refuse-calls
    match: {operation: updateMultiPartyCall, body: {action: call}}
    respond: 400
`)
	const want = `shadowed.yaml:5:5: rule "refuse-calls" never matches: the earlier rule "everything" (line 3) answers every request it would`
	_, errOut, code := runScenariosCmd(t, "check", file)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, want)

	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--scenario", file},
		{"conform", "--scenario", file},
	} {
		t.Run(args[0], func(t *testing.T) {
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			err := run(ctx, args, &out, &errOut)
			require.Error(t, err, "%s must refuse the file: %s%s", args[0], out.String(), errOut.String())
			assert.NotZero(t, exitCode(err, &errOut))
			assert.Contains(t, errOut.String()+err.Error(), want)
			assert.NotContains(t, out.String()+errOut.String(), "phlomock serving")
		})
	}
}
