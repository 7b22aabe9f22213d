package contract_test

import (
	"net/http"
	"testing"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromScenarioBuiltins(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	for _, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Builtin(name)
			require.NoError(t, err)
			cases, err := contract.FromScenario(spec, sc)
			require.NoError(t, err)
			assert.Len(t, cases, len(sc.Interactions))
			ids := map[string]bool{}
			for _, c := range cases {
				assert.False(t, ids[c.ID], "got duplicate case id %s", c.ID)
				ids[c.ID] = true
				assert.Equal(t, name, c.Sequence)
				assert.NotEmpty(t, c.Request.Method)
				assert.NotEmpty(t, c.Request.Path)
			}
		})
	}
}

func TestFromScenarioSafety(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	call := map[string]any{"action": "call", "to": "+14152223333", "role": "agent", "trigger_source": "+14152225555"}
	badRole := map[string]any{"action": "call", "to": "+14152223333", "role": "boss", "trigger_source": "+14152225555"}
	sc := &scenarios.Scenario{Name: "s", File: "s.yaml", Interactions: []scenarios.Interaction{
		{Name: "read", Request: scenarios.InteractionRequest{Operation: "getPhlo"}, Expect: scenarios.Expect{Status: 200, Body: map[string]any{"name": "p"}}},
		{Name: "valid call refused by a rule", Request: scenarios.InteractionRequest{Operation: "updateMultiPartyCall", Body: call}, Expect: scenarios.Expect{Status: 400}},
		{Name: "invalid role", Request: scenarios.InteractionRequest{Operation: "updateMultiPartyCall", Body: badRole}, Expect: scenarios.Expect{Status: 400, Error: "role"}},
		{Name: "no credentials", Request: scenarios.InteractionRequest{Operation: "updateMultiPartyCall", Body: call, Auth: scenarios.AuthNone}, Expect: scenarios.Expect{Status: 401}},
		{Name: "by path", Request: scenarios.InteractionRequest{Method: "get", Path: "/v1/phlo/P1/multi_party_call/N1/"}, Expect: scenarios.Expect{Status: 200}},
		{Name: "no such route", Request: scenarios.InteractionRequest{Method: "GET", Path: "/v1/nope"}, Expect: scenarios.Expect{Status: 404}},
	}}
	cases, err := contract.FromScenario(spec, sc)
	require.NoError(t, err)
	require.Len(t, cases, 6)

	tests := []struct {
		id      string
		safe    bool
		method  string
		outcome contract.Outcome
	}{
		{"s/read", true, http.MethodGet, ""},
		{"s/valid-call-refused-by-a-rule", false, http.MethodPost, contract.OutcomeReject},
		{"s/invalid-role", true, http.MethodPost, contract.OutcomeReject},
		{"s/no-credentials", true, http.MethodPost, contract.OutcomeReject},
	}
	assert.Equal(t, "getMultiPartyCall", cases[4].Operation)
	assert.Equal(t, "", cases[5].Operation)
	for i, tt := range tests {
		c := cases[i]
		assert.Equal(t, tt.id, c.ID)
		assert.Equal(t, tt.safe, c.Safe, "%s: got safe %v, want %v", c.ID, c.Safe, tt.safe)
		assert.Equal(t, tt.method, c.Request.Method)
		assert.Equal(t, tt.outcome, c.Expect.Outcome)
	}
	assert.Equal(t, map[string]any{"/name": "p"}, cases[0].Expect.Fields)
	assert.Equal(t, "role", cases[2].Expect.ErrorContains)

	_, err = contract.FromScenario(spec, &scenarios.Scenario{Name: "x", Interactions: []scenarios.Interaction{
		{Name: "bad", Request: scenarios.InteractionRequest{Operation: "nope"}},
	}})
	assert.ErrorIs(t, err, contract.ErrSpec)
}

// A scenario file without a name still runs its interactions in order:
// they are chained under the file's name, as the fake names the scenario.
func TestFromScenarioWithoutName(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	sc, err := scenarios.Parse("testdata/steps.yaml", []byte(`version: 1
interactions:
  - name: first
    request: {operation: getPhlo, path_params: {phlo_id: p}}
    expect: {status: 404}
  - name: second
    request: {operation: getPhlo, path_params: {phlo_id: p}}
    expect: {status: 404}
`))
	require.NoError(t, err)
	cases, err := contract.FromScenario(spec, sc)
	require.NoError(t, err)
	require.Len(t, cases, 2)
	for _, c := range cases {
		assert.Equal(t, "steps", c.Sequence, "case %s: got sequence %q, want the file's name", c.ID, c.Sequence)
		assert.Equal(t, "steps/"+c.Description, c.ID)
	}
}

// Two interactions whose names give one case id are refused, naming both:
// a report, a JUnit file or --cases could not tell them apart.
func TestFromScenarioDuplicateID(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	sc, err := scenarios.Parse("dup.yaml", []byte(`version: 1
name: dup
interactions:
  - name: Get the PHLO
    request: {operation: getPhlo, path_params: {phlo_id: p}}
    expect: {status: 200}
  - name: other
    request: {operation: getPhlo, path_params: {phlo_id: p}}
    expect: {status: 200}
  - name: get the phlo!
    request: {operation: getPhlo, path_params: {phlo_id: p}}
    expect: {status: 200}
`))
	require.NoError(t, err)
	_, err = contract.FromScenario(spec, sc)
	require.ErrorIs(t, err, contract.ErrSpec)
	assert.Equal(t, "dup.yaml:10: interaction 3 (get the phlo!): contract: unusable spec: its case id dup/get-the-phlo is also interaction 1's (Get the PHLO, line 4); give one of them another name", err.Error())

	sc.Interactions = sc.Interactions[:2]
	cases, err := contract.FromScenario(spec, sc)
	require.NoError(t, err)
	assert.Len(t, cases, 2)
}
