package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyAtTheWrongLevel: a key valid elsewhere in the file is told where
// it belongs: one level down first (a response key in the rule), then up,
// then anywhere; a misspelt key of the place still gets its did-you-mean.
func TestKeyAtTheWrongLevel(t *testing.T) {
	rule := "version: 1\nrules:\n  - match: {operation: getPhlo}\n    "
	tests := []struct{ name, yaml, want string }{
		{"status in a rule", rule + "status: 500\n", `f.yaml:4:5: unknown key "status" in rules[]: it belongs under respond`},
		{"operation in a rule", "version: 1\nrules:\n  - operation: getPhlo\n    respond: 500\n", `f.yaml:3:5: unknown key "operation" in rules[]: it belongs under match`},
		{"body in a rule", rule + "body: {error: x}\n    respond: 500\n", `f.yaml:4:5: unknown key "body" in rules[]: it belongs under match or respond`},
		{"respond at the top", "version: 1\nrespond: 500\n", `f.yaml:2:1: unknown key "respond" at the top level: it belongs under rules[]`},
		{"phlos at the top", "version: 1\nphlos: []\n", `f.yaml:2:1: unknown key "phlos" at the top level: it belongs under world`},
		{"times under respond", rule + "respond: {status: 500, times: 2}\n", `f.yaml:4:28: unknown key "times" in rules[].respond: it belongs one level up, in rules[]`},
		{"min under respond", rule + "respond: {status: 500, min: 1s}\n", `f.yaml:4:28: unknown key "min" in rules[].respond: it belongs under delay`},
		{"auth_token in a match", "version: 1\nrules:\n  - match: {auth_token: x}\n    respond: 500\n", `f.yaml:3:13: unknown key "auth_token" in rules[].match: it is a key of world.accounts[]`},
		{"error in a response", rule + "respond: {status: 500, error: x}\n", `f.yaml:4:28: unknown key "error" in rules[].respond: it is a key of interactions[].expect`},
		{"status in an interaction", "version: 1\ninteractions:\n  - name: a\n    status: 200\n", `f.yaml:4:5: unknown key "status" in interactions[]: it belongs under expect`},
		{"role in a node", "version: 1\nworld:\n  phlos:\n    - id: P\n      nodes:\n        - id: N\n          role: agent\n", `f.yaml:7:11: unknown key "role" in world.phlos[].nodes[]: it belongs under members[]`},
		{"a misspelling stays one", rule + "respond: {stauts: 500}\n", `f.yaml:4:15: unknown key "stauts" (did you mean "status"?)`},
		{"nowhere", rule + "respond: 500\n    colour: red\n", `f.yaml:5:5: unknown key "colour" in rules[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n")[0])
		})
	}
}

// TestPlaceKeysAreTheDecoders: every place of placeKeys is one the decoder
// reaches, so the table describes the file the decoder reads: a file with
// every place, each holding a key of no place, reports each place.
func TestPlaceKeysAreTheDecoders(t *testing.T) {
	full := `version: 1
qwxyz: 1
world:
  qwxyz: 1
  accounts: [{qwxyz: 1}]
  phlos:
    - qwxyz: 1
      nodes:
        - qwxyz: 1
          members: [{qwxyz: 1}]
          callbacks: {qwxyz: 1}
rules:
  - qwxyz: 1
    match: {qwxyz: 1}
    respond: {qwxyz: 1, delay: {qwxyz: 1, min: 1s, max: 2s}}
    sequence: [{qwxyz: 1, delay: {qwxyz: 1, min: 1s, max: 2s}}]
interactions:
  - qwxyz: 1
    request: {qwxyz: 1}
    expect: {qwxyz: 1}
callbacks:
  qwxyz: 1
  faults: [{qwxyz: 1, delay: {qwxyz: 1, min: 1s, max: 2s}}]
`
	_, _, err := parse("f.yaml", []byte(full))
	require.Error(t, err)
	got := map[string]bool{}
	for _, line := range strings.Split(err.Error(), "\n") {
		_, after, ok := strings.Cut(line, `unknown key "qwxyz" `)
		require.Truef(t, ok, "got %q, want only the qwxyz keys", line)
		place := strings.TrimPrefix(strings.TrimPrefix(after, "in "), "at the top level")
		got[place] = true
	}
	for place := range placeKeys {
		assert.True(t, got[place], "place %q is not reached by the decoder", place)
	}
	assert.Len(t, got, len(placeKeys))
}
