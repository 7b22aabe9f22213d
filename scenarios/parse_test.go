package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(tb testing.TB, name string) (string, []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	return path, data
}

func TestParseFull(t *testing.T) {
	s, err := Parse(readFile(t, "full.yaml"))
	require.NoError(t, err)
	require.NoError(t, s.Validate(known))

	assert.Equal(t, "full", s.Name)
	assert.True(t, s.Stateful)
	assert.Equal(t, []Account{{Pos: Pos{7, 7}, AuthID: "MAFULL00000000000001", AuthToken: "secret"}}, s.World.Accounts)
	require.Len(t, s.World.PHLOs, 1)
	assert.Equal(t, "on_hold", s.World.PHLOs[0].Nodes[0].Members[0].State)

	require.Len(t, s.Rules, 2)
	r := s.Rules[0]
	assert.Equal(t, Pos{Line: 21, Column: 18}, r.Match.OperationPos)
	assert.Equal(t, map[string]string{"action": "call", "count": "2"}, r.Match.Body)
	require.NotNil(t, r.Respond)
	assert.Equal(t, 418, r.Respond.Status)
	assert.Equal(t, Delay{Pos: Pos{35, 14}, Min: 150 * time.Millisecond, Max: 150 * time.Millisecond}, r.Respond.Delay)
	assert.Equal(t, []any{1.0, true, nil, "x"}, r.Respond.Body.(map[string]any)["list"])

	seq := s.Rules[1].Sequence
	require.Len(t, seq, 3)
	assert.Equal(t, 2, seq[0].Times)
	assert.Equal(t, 1, seq[1].Times)
	assert.True(t, seq[1].BodyRaw)
	assert.Equal(t, 10*time.Millisecond, seq[1].Delay.Min)
	assert.Equal(t, 20*time.Millisecond, seq[1].Delay.Max)
	assert.True(t, seq[2].Drop)
	assert.Equal(t, 5, s.Rules[1].Times)

	in := s.Interactions[0]
	assert.Equal(t, AuthNone, in.Request.Auth)
	assert.Equal(t, map[string]any{"a": []any{1.0, 2.0}}, in.Request.Body)
	assert.Equal(t, Expect{Pos: Pos{55, 7}, Status: 401, Body: map[string]any{"error": "Authentication failed"}, Error: "failed"}, in.Expect)
}

// The three errors the issue names: each names file:line and the problem.
func TestParseErrorsNameFileLine(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"misspelled-key.yaml", `testdata/misspelled-key.yaml:7:5: unknown key "respnd" (did you mean "respond"?)`},
		{"bad-duration.yaml", `testdata/bad-duration.yaml:6:14: bad duration "200 ms": want a number with a unit, like 200ms or 1.5s`},
		{"unknown-operation.yaml", `testdata/unknown-operation.yaml:6:18: unknown operation id "updateMultipartyCall" (did you mean "updateMultiPartyCall"?): want one of runPhlo, getPhlo, getMultiPartyCall, updateMultiPartyCall, updateMember`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Parse(readFile(t, tt.file))
			if err == nil {
				err = s.Validate(known)
			}
			require.Error(t, err)
			assert.Contains(t, strings.Split(err.Error(), "\n"), tt.want)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, filepath.Join("testdata", tt.file), pe.File)
			assert.NotZero(t, pe.Line)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every line of the joined error
	}{
		{"empty", ``, []string{"f.yaml: empty file: want a mapping with version: 1"}},
		{"not a mapping", `[1]`, []string{"f.yaml:1:1: got a list, want a mapping"}},
		{"no version", `name: x`, []string{"f.yaml:1:1: missing version: want version: 1"}},
		{"version 2", `version: 2`, []string{"f.yaml:1:10: unsupported version 2: this phlomock reads version 1"}},
		{"version 2 after another error", "nme: x\nversion: 2", []string{`f.yaml:1:1: unknown key "nme" (did you mean "name"?)`, "f.yaml:2:10: unsupported version 2: this phlomock reads version 1"}},
		{"syntax", "version: 1\nrules: [", []string{"f.yaml:2:8: did not find expected node content: a value is missing here (an unclosed [ or {, or a stray , or :)"}},
		{"duplicate key", "version: 1\nname: a\nname: b", []string{`f.yaml:3:1: duplicate key "name"`}},
		{"all errors at once", "version: 1\nnam: a\nrules:\n  - times: x\n    respond: {delay: {min: 1s}}\n", []string{
			`f.yaml:2:1: unknown key "nam" (did you mean "name"?)`,
			`f.yaml:4:12: got "x", want an integer`,
			`f.yaml:5:22: a delay range needs both min and max`,
		}},
		{"wrong types", "version: 1\nworld: []\nrules: {}\ninteractions:\n  - name: [x]\n", []string{
			"f.yaml:2:8: got a list, want a mapping",
			"f.yaml:3:8: got a mapping, want a list",
			"f.yaml:5:11: got a list, want a string",
		}},
		{"bad placeholder", "version: 1\nrules:\n  - respond:\n      status: 400\n      body: {error: '{{bodyx}}'}\n", []string{
			"f.yaml:5:13: unknown placeholder {{bodyx}}: want api_id, auth_id, operation, method, path, path.NAME, body.NAME or header.NAME",
		}},
		{"unclosed placeholder", "version: 1\nrules:\n  - respond:\n      status: 400\n      body: 'x {{api_id'\n", []string{
			`f.yaml:5:13: unclosed placeholder in "x {{api_id"`,
		}},
		{"bad pattern", "version: 1\nrules:\n  - match: {path: '/v1/[x'}\n    respond: 500\n", []string{
			`f.yaml:3:19: bad path pattern "/v1/[x": syntax error in pattern`,
		}},
		{"bad bool", "version: 1\nstateful: yes please", []string{`f.yaml:2:11: got "yes please", want true or false`}},
		{"empty sequence", "version: 1\nrules:\n  - sequence: []", []string{"f.yaml:3:15: empty sequence: want at least one step"}},
		{"unknown step key", "version: 1\nrules:\n  - sequence: [{status: 500, time: 2}]", []string{`f.yaml:3:30: unknown key "time" (did you mean "times"?)`}},
		{"null value", "version: 1\nname:", []string{"f.yaml:2:6: got null, want a string"}},
		{"two documents", "version: 1\n---\nversion: 1\n", []string{"f.yaml:2:1: a second YAML document: a scenario file holds one (split it into files)"}},
		{"comments only", "# nothing\n", []string{"f.yaml: empty file: want a mapping with version: 1"}},
		{"alias", "version: 1\nname: &a x\ndescription: *a", []string{`f.yaml:3:14: got an alias, want a string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n"))
			for _, e := range unjoin(err) {
				var pe *ParseError
				require.ErrorAs(t, e, &pe, "every error is a *ParseError")
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestSyntaxErrorIs(t *testing.T) {
	_, err := Parse("f.yaml", []byte("version: [1"))
	require.ErrorIs(t, err, ErrSyntax)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"status out of range", "version: 1\nrules:\n  - respond: 700", []string{"f.yaml:3:14: status 700: want 100 to 599"}},
		{"delay min over max", "version: 1\nrules:\n  - respond: {status: 200, delay: {min: 2s, max: 1s}}", []string{"f.yaml:3:35: delay min 2s is more than max 1s"}},
		{"negative delay", "version: 1\nrules:\n  - respond: {delay: -1s}", []string{"f.yaml:3:22: negative delay -1s"}},
		{"respond and sequence", "version: 1\nrules:\n  - {name: r, respond: 500, sequence: [500]}", []string{`f.yaml:3:5: rule "r" has both respond and sequence: keep one`}},
		{"neither", "version: 1\nrules:\n  - match: {method: GET}", []string{"f.yaml:3:5: rule #1 has neither respond nor sequence"}},
		{"bad method", "version: 1\nrules:\n  - {match: {method: FETCH}, respond: 500}", []string{`f.yaml:3:5: unknown method "FETCH"`}},
		{"negative times", "version: 1\nrules:\n  - {times: -1, respond: 500}", []string{"f.yaml:3:5: times -1: want 0 (unlimited) or more"}},
		{"zero step times", "version: 1\nrules:\n  - sequence: [{status: 500, times: 0}]", []string{"f.yaml:3:16: sequence step times 0: want 1 or more"}},
		{"duplicate rule", "version: 1\nrules:\n  - {name: a, respond: 500}\n  - {name: a, respond: 500}", []string{`f.yaml:4:5: duplicate rule name "a"`}},
		{"body without status", "version: 1\nrules:\n  - respond: {body: x}", []string{"f.yaml:3:14: a body needs a status"}},
		{"drop with status", "version: 1\nrules:\n  - respond: {drop: true, status: 500}", []string{"f.yaml:3:14: a dropped connection has no status, headers or body"}},
		{"world", "version: 1\nworld:\n  accounts: [{auth_id: A}, {auth_id: A, auth_token: t}]\n  phlos:\n    - {id: P, nodes: [{id: N, members: [{address: x, role: boss, state: gone}, {address: x, role: agent, state: in_transfer}]}, {id: N}]}\n    - {name: nameless}", []string{
			`f.yaml:3:14: account "A" without auth_token`,
			`f.yaml:3:28: duplicate account "A"`,
			`f.yaml:5:41: member "x": role "boss": want customer or agent`,
			`f.yaml:5:41: member "x": state "gone": want connected, on_hold, in_transfer or disconnected`,
			`f.yaml:5:80: duplicate member "x"`,
			`f.yaml:5:80: member "x": a world cannot start in a transfer`,
			`f.yaml:5:129: duplicate node id "N" in phlo "P"`,
			`f.yaml:6:7: phlo without id`,
		}},
		{"interactions", "version: 1\ninteractions:\n  - request: {auth: maybe}\n    expect: {status: 99}\n  - name: x\n    request: {operation: nope}", []string{
			"f.yaml:3:5: interaction 1 has no name",
			`f.yaml:3:5: interaction "": request needs an operation or a path`,
			`f.yaml:3:5: interaction "": auth "maybe": want default, none or wrong`,
			"f.yaml:4:13: status 99: want 100 to 599",
			`f.yaml:6:26: unknown operation id "nope": want one of runPhlo, getPhlo, getMultiPartyCall, updateMultiPartyCall, updateMember`,
			`f.yaml:5:5: interaction "x": expect needs a status`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("f.yaml", []byte(tt.yaml))
			require.NoError(t, err)
			err = s.Validate(known)
			require.Error(t, err)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n"))
		})
	}
}

func TestValidateUnknownOperationIs(t *testing.T) {
	s, err := Parse(readFile(t, "unknown-operation.yaml"))
	require.NoError(t, err)
	require.ErrorIs(t, s.Validate(known), ErrUnknownOperation)
	require.NoError(t, s.Validate(nil), "a nil list skips the operation check")
}

func TestValidateNeverMutates(t *testing.T) {
	for _, name := range []string{"full.yaml", "unknown-operation.yaml"} {
		s, err := Parse(readFile(t, name))
		require.NoError(t, err)
		before := deepCopy(t, s)
		_ = s.Validate(known)
		_ = s.Validate(nil)
		assert.Equal(t, before, s)
	}
}

// deepCopy re-parses the same file: a scenario equal to the original that
// shares no memory with it.
func deepCopy(tb testing.TB, s *Scenario) *Scenario {
	tb.Helper()
	c, err := Parse(readFile(tb, filepath.Base(s.File)))
	require.NoError(tb, err)
	return c
}

func TestParseErrorWithoutPosition(t *testing.T) {
	err := (&Scenario{Version: 2}).Validate(nil)
	assert.EqualError(t, err, "<scenario>: unsupported version 2: want version: 1")
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
}
