package scenarios

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var checkOps = []Operation{
	{ID: "getPhlo", Method: "GET", Path: "/v1/phlo/{phlo_id}", PathParams: []string{"phlo_id"}},
	{ID: "updateMember", Method: "POST", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}/members/{member_address}",
		PathParams: []string{"phlo_id", "node_id", "member_address"}, BodyEnums: map[string][]string{"action": {"hangup", "hold", "unhold"}}},
	{ID: "updateMultiPartyCall", Method: "POST", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}",
		PathParams: []string{"phlo_id", "node_id"}, BodyEnums: map[string][]string{"action": {"call", "cold_transfer", "warm_transfer"}}},
}

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name, match string
		want        string // "" for a rule that can match
	}{
		{"empty", `{}`, ""},
		{"operation and params", `{operation: updateMember, path_params: {member_address: "+1"}}`, ""},
		{"param of another operation", `{operation: getPhlo, path_params: {node_id: N}}`,
			`t.yaml:3:48: rule #1 never matches: path parameter "node_id" is not one of getPhlo's (phlo_id)`},
		{"param typo", `{operation: getPhlo, path_params: {phloid: N}}`,
			`t.yaml:3:48: rule #1 never matches: path parameter "phloid" (did you mean "phlo_id"?) is not one of getPhlo's (phlo_id)`},
		{"param of some aimed operation", `{method: POST, path_params: {member_address: x}}`, ""},
		{"body enum", `{operation: updateMultiPartyCall, body: {action: cold-transfer}}`,
			`t.yaml:3:62: rule #1 never matches: body action "cold-transfer" (did you mean "cold_transfer"?) is not a value the contract allows: want one of call, cold_transfer, warm_transfer`},
		{"body enum across operations", `{method: POST, body: {action: hold}}`, ""},
		{"body value far from every enum", `{method: POST, body: {action: dance}}`,
			`t.yaml:3:43: rule #1 never matches: body action "dance" is not a value the contract allows: want one of hangup, hold, unhold, call, cold_transfer, warm_transfer`},
		{"body field without an enum", `{operation: updateMultiPartyCall, body: {to: anything}}`, ""},
		{"glob of one operation", `{path: /v1/phlo/*/multi_party_call/*}`, ""},
		{"glob with a trailing slash", `{path: /v1/phlo/*/}`, ""},
		{"double star", `{path: /v1/phlo/**/members/*}`,
			`t.yaml:3:20: rule #1 never matches: path "/v1/phlo/**/members/*" matches no operation of the contract (path.Match has no "**": it is "*", one segment) (did you mean /v1/phlo/*/multi_party_call/*/members/*?)`},
		{"glob of another operation", `{operation: getPhlo, path: /v1/phlo/*/multi_party_call/*}`,
			`t.yaml:3:40: rule #1 never matches: path "/v1/phlo/*/multi_party_call/*" does not match getPhlo's path /v1/phlo/{phlo_id} (did you mean /v1/phlo/*?)`},
		{"method of another operation", `{operation: getPhlo, method: POST}`,
			`t.yaml:3:42: rule #1 never matches: method POST: operation getPhlo is GET`},
		{"method no operation takes", `{method: DELETE}`,
			`t.yaml:3:22: rule #1 never matches: method DELETE: no operation of the contract takes it`},
		{"unknown operation: Validate's", `{operation: nope}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("t.yaml", []byte("version: 1\nrules:\n  - {match: "+tt.match+", respond: 500}\n"))
			require.NoError(t, err)
			err = s.CheckRules(checkOps)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.True(t, errors.Is(err, ErrNeverMatches))
			var pe *ParseError
			assert.True(t, errors.As(err, &pe))
		})
	}
}

func TestCheckRulesBuiltins(t *testing.T) {
	for _, name := range BuiltinNames() {
		s, err := Builtin(name)
		require.NoError(t, err)
		assert.NoError(t, s.CheckRules(checkOps), name)
	}
}
