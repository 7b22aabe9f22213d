package scenarios

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var known = KnownOperations{"runPhlo", "getPhlo", "getMultiPartyCall", "updateMultiPartyCall", "updateMember"}

const (
	phloID = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	nodeID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// requests is one request per operation, as the fake would pass them.
func requests() map[string]Request {
	node := map[string]string{"phlo_id": phloID, "node_id": nodeID}
	return map[string]Request{
		"runPhlo":           {OperationID: "runPhlo", Method: "POST", Path: "/v1/account/MAPHLOMOCKDEFAULT001/phlo/" + phloID, PathParams: map[string]string{"auth_id": "MAPHLOMOCKDEFAULT001", "phlo_id": phloID}, AuthID: "MAPHLOMOCKDEFAULT001"},
		"getPhlo":           {OperationID: "getPhlo", Method: "GET", Path: "/v1/phlo/" + phloID, PathParams: map[string]string{"phlo_id": phloID}, AuthID: "MAPHLOMOCKDEFAULT001"},
		"getMultiPartyCall": {OperationID: "getMultiPartyCall", Method: "GET", Path: "/v1/phlo/" + phloID + "/multi_party_call/" + nodeID, PathParams: node, AuthID: "MAPHLOMOCKDEFAULT001"},
		"updateMultiPartyCall": {OperationID: "updateMultiPartyCall", Method: "POST", Path: "/v1/phlo/" + phloID + "/multi_party_call/" + nodeID, PathParams: node,
			Body: map[string]any{"action": "call", "to": "+14152223333", "role": "agent", "trigger_source": "+14152225555"}, AuthID: "MAPHLOMOCKDEFAULT001"},
		"updateMember": {OperationID: "updateMember", Method: "POST", Path: "/v1/phlo/" + phloID + "/multi_party_call/" + nodeID + "/members/+14152223333",
			PathParams: map[string]string{"phlo_id": phloID, "node_id": nodeID, "member_address": "+14152223333"}, Body: map[string]any{"action": "hangup"}, AuthID: "MAPHLOMOCKDEFAULT001"},
	}
}

func builtinEngine(tb testing.TB, name string) *Engine {
	tb.Helper()
	s, err := Builtin(name)
	require.NoError(tb, err)
	require.NoError(tb, s.Validate(known))
	e, err := Compile(s)
	require.NoError(tb, err)
	return e
}

func TestBuiltinsParseAndValidate(t *testing.T) {
	names := BuiltinNames()
	assert.Equal(t, []string{"auth-failure", "bad-role", "flaky", "rate-limited", "server-error", "slow", "success", "transfer-flow", "unknown-phlo"}, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			assert.Equal(t, name, s.Name, "the name inside the file")
			assert.NotEmpty(t, s.Description)
			assert.NotEmpty(t, s.Interactions, "every built-in drives the conformance suite")
			require.NoError(t, s.Validate(known))
		})
	}
	_, err := Builtin("nope")
	require.ErrorIs(t, err, ErrUnknownScenario)
}

// want is the answer a built-in gives to every operation it overrides.
type want struct {
	status  int
	header  http.Header
	body    string // rendered with api_id "ID"
	matches []string
}

func TestBuiltinRules(t *testing.T) {
	all := []string{"runPhlo", "getPhlo", "getMultiPartyCall", "updateMultiPartyCall", "updateMember"}
	tests := []struct {
		name string
		want want
	}{
		{"success", want{}},
		{"transfer-flow", want{}},
		{"bad-role", want{status: 400, body: `{"api_id":"ID","error":"Invalid value provided for role. Allowed values are 'customer' and 'agent'."}`, matches: []string{"updateMultiPartyCall"}}},
		{"auth-failure", want{status: 401, body: `{"api_id":"ID","error":"Authentication failed"}`, matches: all}},
		{"unknown-phlo", want{status: 404, body: `{"api_id":"ID","error":"PHLO not found"}`, matches: all}},
		{"rate-limited", want{status: 429, header: http.Header{"Retry-After": {"1"}}, body: `{"api_id":"ID","error":"Too many requests"}`, matches: all}},
		{"server-error", want{status: 500, body: `{"api_id":"ID","error":"Internal server error"}`, matches: all}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := builtinEngine(t, tt.name)
			for op, req := range requests() {
				a, ok := e.Match(req)
				want := len(tt.want.matches) > 0 && contains(tt.want.matches, op)
				require.Equal(t, want, ok, "%s: matched %v, want %v", op, ok, want)
				if !ok {
					continue
				}
				assert.Equal(t, tt.want.status, a.Status, op)
				assert.Equal(t, tt.want.header, a.Header, op)
				assert.JSONEq(t, tt.want.body, string(a.Body("ID")), op)
				assert.False(t, a.Drop)
				assert.Zero(t, a.Delay)
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestBuiltinSlow(t *testing.T) {
	e := builtinEngine(t, "slow")
	for op, req := range requests() {
		a, ok := e.Match(req)
		require.True(t, ok, op)
		assert.Equal(t, 0, a.Status, "slow keeps the contract's answer")
		assert.False(t, a.HasBody())
		assert.GreaterOrEqual(t, a.Delay.Milliseconds(), int64(200))
		assert.LessOrEqual(t, a.Delay.Milliseconds(), int64(500))
	}
}

func TestBuiltinFlaky(t *testing.T) {
	e := builtinEngine(t, "flaky")
	req := requests()["getPhlo"]
	for round := range 2 {
		var got []int
		for range 4 {
			a, ok := e.Match(req)
			if !ok {
				got = append(got, 0)
				continue
			}
			got = append(got, a.Status)
		}
		assert.Equal(t, []int{500, 500, 0, 0}, got, "round %d (0: the contract answers)", round)
		e.Reset()
	}
}

func TestBuiltinTransferFlowIsStateful(t *testing.T) {
	e := builtinEngine(t, "transfer-flow")
	assert.True(t, e.Stateful())
	w := e.World()
	require.Len(t, w.PHLOs, 1)
	require.Len(t, w.PHLOs[0].Nodes, 1)
	assert.Len(t, w.PHLOs[0].Nodes[0].Members, 2)
	assert.False(t, builtinEngine(t, "success").Stateful())
}

func TestBuiltinYAMLIsTheFile(t *testing.T) {
	data, err := BuiltinYAML("flaky")
	require.NoError(t, err)
	s, err := Parse("custom.yaml", data)
	require.NoError(t, err, "a shown built-in is a valid custom file")
	assert.Equal(t, "flaky", s.Name)
}

// Each built-in's interactions agree with its rules: where a rule answers,
// it answers what the interaction expects (run in order, as the conformance
// suite does). The contract's answers are checked at the HTTP level.
func TestBuiltinInteractionsAgreeWithRules(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			e, err := Compile(s)
			require.NoError(t, err)
			for _, in := range s.Interactions {
				body, _ := in.Request.Body.(map[string]any)
				req := Request{OperationID: in.Request.Operation, Method: in.Request.Method, PathParams: in.Request.PathParams, Body: body}
				a, ok := e.Match(req)
				if !ok || a.Status == 0 {
					continue // the contract (or the call model) answers
				}
				assert.Equal(t, in.Expect.Status, a.Status, in.Name)
				rendered := string(a.Body("ID"))
				assert.Contains(t, rendered, in.Expect.Error, in.Name)
				for k, v := range in.Expect.Body {
					assert.Contains(t, rendered, fmt.Sprintf("%q:%q", k, v), in.Name)
				}
			}
		})
	}
}
