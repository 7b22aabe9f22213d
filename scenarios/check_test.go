package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckEveryPhase: one file with a type error, a bad placeholder, a
// status out of range and a delay whose min is above its max gets all four
// at once, in file order. (It took three rounds of fixing when each phase
// hid the next.)
func TestCheckEveryPhase(t *testing.T) {
	const file = `version: 1
name: three-rounds
rules:
  - name: a
    times: lots
    respond: {status: 500}
  - name: b
    respond:
      status: 200
      body: {api_id: "{{apiid}}"}
  - name: c
    respond: {status: 999}
  - name: d
    respond:
      status: 200
      delay: {min: 2s, max: 1s}
  - name: e
    match: {operation: updateMultipartyCall}
    respnd: 500
`
	_, err := Check("three.yaml", []byte(file), known)
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		"three.yaml:5:12: ",                       // times: lots, a type error (Parse)
		"three.yaml:10:",                          // {{apiid}}, a placeholder (Parse)
		"three.yaml:12:",                          // status 999 (Validate)
		"three.yaml:16:",                          // min above max (Validate)
		"three.yaml:18:",                          // unknown operation id (Validate)
		"three.yaml:19:5: unknown key \"respnd\"", // (Parse)
	}
	require.Len(t, lines, len(want), "got:\n%s", err)
	for i, w := range want {
		assert.True(t, strings.HasPrefix(lines[i], w), "line %d: got %q, want it to start with %q", i+1, lines[i], w)
	}
	assert.Contains(t, lines[2], "status 999: want 100 to 599")
	assert.Contains(t, lines[3], "delay min 2s is more than max 1s")
	// Rule e's "neither respond nor sequence" is the misspelt key's
	// consequence, not a second problem.
	assert.NotContains(t, err.Error(), "neither respond nor sequence")

	// A good file: the same scenario Parse and Validate give.
	s, err := Check("ok.yaml", []byte("version: 1\nname: ok\nrules:\n  - name: r\n    respond: 500\n"), known)
	require.NoError(t, err)
	assert.Equal(t, "ok", s.Name)
}

// TestCheckTabs: yaml.v3 says "found character that cannot start any
// token" with no column; the file gets the line and column of the tab.
func TestCheckTabs(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"tab indent", "version: 1\nname: t\nrules:\n\t- name: r\n", "tabs.yaml:4:1: YAML does not allow tabs for indentation: indent with spaces"},
		{"tab after spaces", "version: 1\nname: t\nrules:\n  - name: r\n  \trespond: 500\n", "tabs.yaml:5:3: YAML does not allow tabs for indentation: indent with spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check("tabs.yaml", []byte(tt.file), known)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.ErrorIs(t, err, ErrSyntax)
			_, err = Parse("tabs.yaml", []byte(tt.file))
			assert.Equal(t, tt.want, err.Error(), "Parse says the same")
		})
	}
}
