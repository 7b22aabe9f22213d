package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkOps is a small contract: a GET and a POST with a body.
var checkOps = []Operation{
	{ID: "getPhlo", Method: "GET", Path: "/v1/phlo/{phlo_id}", PathParams: []string{"phlo_id"}},
	{ID: "updateMultiPartyCall", Method: "POST", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}", PathParams: []string{"phlo_id", "node_id"},
		BodyEnums: map[string][]string{"action": {"call", "cold_transfer", "warm_transfer"}}},
}

// CheckRules finds a rule an earlier one always answers for (a catch-all,
// or a match that covers it, with no times), and a body match on an
// operation that takes no body; neither for a rule that can still match.
func TestCheckRulesShadowsAndBodiless(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  []string // substrings of the errors, in order; none: fine
	}{
		{"catch-all first", `
  - name: everything
    respond: 500
  - name: refuse-calls
    match: {operation: updateMultiPartyCall, body: {action: call}}
    respond: 400`, []string{`rule "refuse-calls" never matches: the earlier rule "everything" (line 3)`}},
		{"covering match first", `
  - name: all-calls-fail
    match: {operation: updateMultiPartyCall}
    respond: 500
  - name: cold-fails
    match: {operation: updateMultiPartyCall, body: {action: cold_transfer}}
    respond: 400`, []string{`rule "cold-fails" never matches: the earlier rule "all-calls-fail"`}},
		{"header names fold", `
  - name: by-agent
    match: {headers: {user-agent: x}}
    respond: 500
  - name: by-agent-get
    match: {operation: getPhlo, headers: {User-Agent: x}}
    respond: 400`, []string{`rule "by-agent-get" never matches`}},
		{"catch-all with times leaves room", `
  - name: first-two
    times: 2
    respond: 500
  - name: then-refuse
    respond: 400`, nil},
		{"narrower first is fine", `
  - name: cold-fails
    match: {operation: updateMultiPartyCall, body: {action: cold_transfer}}
    respond: 400
  - name: all-calls-fail
    match: {operation: updateMultiPartyCall}
    respond: 500`, nil},
		{"sequence is not a shadow", `
  - name: seq
    sequence: [{status: 500}, {status: 201}]
  - name: later
    respond: 400`, nil},
		{"body on a GET", `
  - name: get-with-body
    match: {operation: getPhlo, body: {action: call}}
    respond: 500`, []string{`rule "get-with-body" never matches: body action: getPhlo (GET) send no body`}},
		{"body on method GET", `
  - name: get-with-body
    match: {method: GET, body: {role: agent}}
    respond: 500`, []string{`never matches: body role: getPhlo (GET) send no body`}},
		{"body on any operation is fine", `
  - name: any-with-body
    match: {body: {action: call}}
    respond: 500`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Check("f.yaml", []byte("version: 1\nrules:"+tt.rules+"\n"), nil)
			require.NoError(t, err)
			err = s.CheckRules(checkOps)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrNeverMatches))
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tt.want), "%s", err)
			for i, w := range tt.want {
				assert.Contains(t, lines[i], w)
				assert.True(t, strings.HasPrefix(lines[i], "f.yaml:"), "file:line:column: %s", lines[i])
			}
			_, ferr := CheckFile("f.yaml", []byte("version: 1\nrules:"+tt.rules+"\n"), nil, checkOps)
			assert.Equal(t, err.Error(), ferr.Error(), "CheckFile refuses what CheckRules finds")
		})
	}
}
