package director_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// step is one request of a built-in's table and what the fake must answer.
type step struct {
	name   string
	method string
	path   string
	body   any
	header []string
	status int
	error  string // substring of the "error" field; "-" means it must be ""
	rule   string // the rule the journal must name
	check  func(t *testing.T, r reply)
}

func runSteps(t *testing.T, s *faketest.Server, steps []step) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := send(t, s, st.method, st.path, st.body, st.header...)
			require.Equalf(t, st.status, r.status, "got %d %s, want %d", r.status, r.raw, st.status)
			switch st.error {
			case "":
			case "-":
				assert.Equal(t, "", r.body["error"])
			default:
				assert.Contains(t, r.body["error"], st.error)
			}
			es := s.Journal(mockserver.Filter{Limit: 1})
			require.Len(t, es, 1)
			assert.Equal(t, st.rule, es[0].Rule, "rule in the journal")
			if st.check != nil {
				st.check(t, r)
			}
		})
	}
}

var (
	call      = callBody("call", "+14152223333", "customer", "+14152225555")
	coldAgent = callBody("cold_transfer", "+14152224444", "agent", "+14152225555")
	hold      = memberBody("hold")
)

// TestBuiltins shows each built-in scenario's behaviour over HTTP, selected
// at construction (serve --scenario NAME).
func TestBuiltins(t *testing.T) {
	wrong := []string{"Authorization", "Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6bm9wZQ=="} // MAPHLOMOCKDEFAULT001:nope
	tables := map[string][]step{
		"success": {
			{name: "get the PHLO, named by the world", method: "GET", path: phloPath, status: 200, check: func(t *testing.T, r reply) {
				assert.Equal(t, "Support line", r.body["name"])
			}},
			{name: "call", method: "POST", path: nodePath, body: call, status: 201, error: "-"},
			{name: "hang up", method: "POST", path: memberPath("+14152223333"), body: memberBody("hangup"), status: 201, error: "-"},
			{name: "run", method: "POST", path: runPath, body: map[string]any{"from": "+1", "to": "+2"}, status: 201},
			{name: "a bad role is the contract's 400", method: "POST", path: nodePath, body: callBody("call", "+1", "supervisor", "+2"), status: 400, error: "role"},
			{name: "wrong credentials", method: "GET", path: phloPath, header: wrong, status: 401},
		},
		"auth-failure": {
			{name: "valid credentials are refused", method: "GET", path: phloPath, status: 401, error: "Authentication failed", rule: "revoked-credentials"},
			{name: "node action", method: "POST", path: nodePath, body: call, status: 401, error: "Authentication failed", rule: "revoked-credentials"},
			{name: "member action", method: "POST", path: memberPath("+14152223333"), body: hold, status: 401, rule: "revoked-credentials"},
			{name: "an invalid request is still the contract's 400", method: "POST", path: nodePath, body: callBody("call", "+1", "boss", "+2"), status: 400},
		},
		"bad-role": {
			{name: "call", method: "POST", path: nodePath, body: call, status: 400, error: "Invalid value provided for role.", rule: "refuse-role"},
			{name: "cold transfer", method: "POST", path: nodePath, body: coldAgent, status: 400, error: "'customer' and 'agent'", rule: "refuse-role"},
			{name: "member actions succeed", method: "POST", path: memberPath("+14152223333"), body: hold, status: 201, error: "-"},
			{name: "reads succeed", method: "GET", path: phloPath, status: 200},
		},
		"flaky": {
			{name: "first fails", method: "GET", path: phloPath, status: 500, rule: "fail-twice"},
			{name: "second fails", method: "POST", path: nodePath, body: call, status: 500, rule: "fail-twice"},
			{name: "third succeeds", method: "GET", path: phloPath, status: 200},
			{name: "and the next", method: "POST", path: nodePath, body: call, status: 201},
		},
		"rate-limited": {
			{name: "429 with Retry-After", method: "GET", path: phloPath, status: 429, error: "Too many requests", rule: "too-many-requests", check: func(t *testing.T, r reply) {
				assert.Equal(t, "1", r.header.Get("Retry-After"))
			}},
			{name: "actions too", method: "POST", path: nodePath, body: call, status: 429, rule: "too-many-requests"},
		},
		"server-error": {
			{name: "read", method: "GET", path: phloPath, status: 500, error: "Internal server error", rule: "internal-error"},
			{name: "action", method: "POST", path: nodePath, body: call, status: 500, rule: "internal-error"},
		},
		"slow": {
			{name: "the contract's answer, late", method: "GET", path: phloPath, status: 200, rule: "latency"},
		},
		"unknown-phlo": {
			{name: "get", method: "GET", path: phloPath, status: 404, error: "PHLO not found", rule: "phlo-not-found"},
			{name: "run", method: "POST", path: runPath, status: 404, rule: "phlo-not-found"},
			{name: "action", method: "POST", path: nodePath, body: call, status: 404, rule: "phlo-not-found"},
		},
		"transfer-flow": {
			{name: "abort with no pending transfer", method: "POST", path: memberPath("+14152225555"), body: memberBody("abort_transfer"), status: 400, error: "no transfer is pending"},
			{name: "warm transfer", method: "POST", path: nodePath, body: callBody("warm_transfer", "+14152224444", "agent", "+14152225555"), status: 201, error: "-"},
			{name: "abort", method: "POST", path: memberPath("+14152225555"), body: memberBody("abort_transfer"), status: 201},
			{name: "cold transfer", method: "POST", path: nodePath, body: coldAgent, status: 201},
			{name: "the first agent has left", method: "POST", path: memberPath("+14152225555"), body: memberBody("hangup"), status: 400, error: "member is not on the call"},
			{name: "hold the customer", method: "POST", path: memberPath("+14152223333"), body: hold, status: 201},
			{name: "hold twice", method: "POST", path: memberPath("+14152223333"), body: hold, status: 400, error: "member is not connected"},
		},
	}
	onStores(t, func(t *testing.T, on store) {
		for _, name := range scenarios.BuiltinNames() {
			t.Run(name, func(t *testing.T) {
				steps, ok := tables[name]
				require.True(t, ok, "built-in %s has no table in TestBuiltins", name)
				s := on(t, fake.Config{}, name)
				runSteps(t, s, steps)
			})
		}
	})
}

// TestHeaderSelectsAScenarioForOneRequest: X-Phlomock-Scenario answers one
// request from another scenario; the next one is the active set's again.
func TestHeaderSelectsAScenarioForOneRequest(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		s := on(t, fake.Config{}, "success")
		h := []string{"X-Phlomock-Scenario", "bad-role"}
		flaky := []string{"X-Phlomock-Scenario", "flaky"}
		runSteps(t, s, []step{
			{name: "bad-role for one request", method: "POST", path: nodePath, body: call, header: h, status: 400, error: "Invalid value provided for role.", rule: "refuse-role"},
			{name: "success again", method: "POST", path: nodePath, body: call, status: 201},
			{name: "auth-failure for one request", method: "GET", path: phloPath, header: []string{"X-Phlomock-Scenario", "auth-failure"}, status: 401, rule: "revoked-credentials"},
			{name: "an unknown name is a 400 naming the choices", method: "GET", path: phloPath, header: []string{"X-Phlomock-Scenario", "nope"}, status: 400, error: "Unknown scenario \"nope\""},
			{name: "flaky's first failure", method: "GET", path: phloPath, header: flaky, status: 500, rule: "fail-twice"},
			{name: "the active set between", method: "GET", path: phloPath, status: 200},
			{name: "flaky's second failure", method: "GET", path: phloPath, header: flaky, status: 500, rule: "fail-twice"},
			{name: "flaky's contract answer", method: "GET", path: phloPath, header: flaky, status: 200},
		})
		es := s.Journal(mockserver.Filter{})
		assert.Equal(t, "bad-role", es[0].Scenario)
		assert.Equal(t, "", es[1].Scenario, "the active set answered with the contract")
	})
}

// TestLaterScenariosOverride: rules of a later scenario are tried first.
func TestLaterScenariosOverride(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{}, "server-error", "bad-role")
	runSteps(t, s, []step{
		{name: "bad-role's rule first", method: "POST", path: nodePath, body: call, status: 400, rule: "refuse-role"},
		{name: "server-error for the rest", method: "GET", path: phloPath, status: 500, rule: "internal-error"},
	})
	assert.Equal(t, []string{"server-error", "bad-role"}, s.Director.Active())
}

func TestScenarioAccountsAreAccepted(t *testing.T) {
	sc := &scenarios.Scenario{Version: 1, Name: "acct", World: scenarios.World{Accounts: []scenarios.Account{{AuthID: "MAOTHER", AuthToken: "tok"}}}}
	s := faketest.NewServer(t, fake.Config{Active: []*scenarios.Scenario{sc}})
	other := []string{"Authorization", "Basic TUFPVEhFUjp0b2s="} // MAOTHER:tok
	runSteps(t, s, []step{
		{name: "the scenario's account", method: "GET", path: phloPath, header: other, status: http.StatusOK},
		{name: "and the configured one", method: "GET", path: phloPath, status: http.StatusOK},
	})
}

// TestConfiguredAccountWins: an account the fake was configured with is
// not overridden by a scenario declaring the same Auth ID (serve
// --auth-token with the default scenario, which declares the default
// account).
func TestConfiguredAccountWins(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{Accounts: mockserver.StaticAccounts{mockserver.DefaultAuthID: "custom-tok"}}, "success")
	runSteps(t, s, []step{
		{name: "the configured token", method: "GET", path: phloPath, status: http.StatusOK},
		{name: "the scenario's token for the same id", method: "GET", path: phloPath, header: []string{"Authorization", "Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu"}, status: http.StatusUnauthorized},
	})
}

// auth-failure says what a wrong token gets from the fake: one text, the
// real API's (docs/scenarios.md says which).
func TestAuthFailureTextIsAWrongTokens(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{}, "auth-failure")
	plain := faketest.NewServer(t, fake.Config{})
	got := send(t, s, "GET", phloPath, nil)
	req, err := http.NewRequest("GET", plain.URL+phloPath, nil)
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, "wrong-token")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var wrong struct{ Error string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&wrong))
	require.Equal(t, 401, got.status)
	require.Equal(t, 401, res.StatusCode)
	assert.Equal(t, mockserver.AuthenticationFailed, wrong.Error)
	assert.Equal(t, wrong.Error, got.body["error"], "auth-failure's text and a wrong token's")
}
