package director_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// TestAdminScenarios: each subtest starts its own fake with success
// active, so none depends on what another left behind.
func TestAdminScenarios(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		start := func(t *testing.T) *faketest.Server {
			s := on(t, fake.Config{}, "success")
			require.Equal(t, []string{"success"}, s.Director.Active())
			return s
		}
		t.Run("list", func(t *testing.T) {
			s := start(t)
			var page director.ScenariosPage
			require.Equal(t, 200, admin(t, s, "GET", "/__admin/scenarios", "", "", &page))
			assert.Equal(t, []string{"success"}, page.Active)
			var names []string
			byName := map[string]director.ScenarioInfo{}
			for _, info := range page.Available {
				names = append(names, info.Name)
				byName[info.Name] = info
			}
			assert.Equal(t, scenarios.BuiltinNames(), names, "every built-in, sorted")
			assert.Equal(t, director.ScenarioInfo{Name: "transfer-flow", Description: "a stateful multi-party call; forbidden transitions answer 400", Builtin: true, Stateful: true}, byName["transfer-flow"])
			assert.False(t, byName["success"].Stateful, "success is not stateful")
		})
		t.Run("activate by name", func(t *testing.T) {
			s := start(t)
			require.Equal(t, 201, send(t, s, "POST", nodePath, call).status, "success answers before")
			var page director.ScenariosPage
			require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "application/json", `{"names":["bad-role"]}`, &page))
			assert.Equal(t, []string{"bad-role"}, page.Active)
			assert.Equal(t, []string{"bad-role"}, s.Director.Active())
			assert.Equal(t, 400, send(t, s, "POST", nodePath, call).status)
		})
		// The refusals below must leave the active set as it was: bad-role,
		// activated first so that a refusal that fell back to the default
		// (success) would be seen.
		refused := func(t *testing.T, body string, status int, want string) {
			s := start(t)
			require.NoError(t, s.Director.ActivateNames("bad-role"))
			var e map[string]any
			require.Equal(t, status, admin(t, s, "PUT", "/__admin/scenarios/active", "application/json", body, &e))
			assert.Contains(t, e["error"], want)
			assert.Equal(t, []string{"bad-role"}, s.Director.Active(), "the active scenarios changed")
			assert.Equal(t, 400, send(t, s, "POST", nodePath, call).status, "bad-role still answers")
		}
		t.Run("an unknown name changes nothing", func(t *testing.T) {
			refused(t, `{"names":["success","nope"]}`, 400, `unknown scenario "nope"`)
		})
		t.Run("an unknown field is refused", func(t *testing.T) {
			refused(t, `{"name":"success"}`, 400, `unknown field "name"`)
		})
		t.Run("data after the JSON is refused", func(t *testing.T) {
			refused(t, `{"names":["success"]} {"names":["nope"]}`, 400, "data after the JSON value")
		})
		t.Run("a body over the limit answers 413", func(t *testing.T) {
			refused(t, `{"names":["`+strings.Repeat("a", director.MaxUploadBytes)+`"]}`, 413, "the limit is 1048576 bytes")
		})
		t.Run("errors.Is", func(t *testing.T) {
			s := start(t)
			assert.ErrorIs(t, s.Director.ActivateNames("nope"), director.ErrUnknownScenario)
			assert.Equal(t, []string{"success"}, s.Director.Active())
		})
	})
}

const uploaded = `version: 1
name: teapot
rules:
  - name: brew
    match: {operation: getPhlo}
    respond: {status: 418, body: {api_id: "{{api_id}}", error: "I'm a teapot"}}
`

func TestAdminUpload(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		s := on(t, fake.Config{}, "server-error")
		var page director.ScenariosPage
		require.Equal(t, 201, admin(t, s, "POST", "/__admin/scenarios", "application/yaml", uploaded, &page))
		assert.Equal(t, []string{"teapot"}, page.Active)
		r := send(t, s, "GET", phloPath, nil)
		assert.Equal(t, 418, r.status)
		assert.Equal(t, 201, send(t, s, "POST", nodePath, call).status, "the upload replaced server-error")

		t.Run("it can be activated by name and used by header", func(t *testing.T) {
			require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "application/json", `{"names":["success"]}`, nil))
			assert.Equal(t, 200, send(t, s, "GET", phloPath, nil).status)
			assert.Equal(t, 418, send(t, s, "GET", phloPath, nil, "X-Phlomock-Scenario", "teapot").status)
			require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "application/json", `{"names":["success","teapot"]}`, nil))
			assert.Equal(t, 418, send(t, s, "GET", phloPath, nil).status)
		})

		// Each bad file answers 400 naming file:line:column and the problem,
		// and the active scenarios stay as they were.
		bad := []struct {
			name, yaml, want string
		}{
			{"misspelled key", "version: 1\nname: x\nrules:\n  - name: r\n    respnd: {status: 500}\n", `bad.yaml:5:5: unknown key "respnd"`},
			{"bad duration", "version: 1\nname: x\nrules:\n  - name: r\n    respond: {status: 500, delay: 10 parsecs}\n", "bad.yaml:5:"},
			{"unknown operation id", "version: 1\nname: x\nrules:\n  - name: r\n    match: {operation: getPhlos}\n    respond: {status: 500}\n", "bad.yaml:5:"},
			{"not YAML", "version: 1\nname: [\n", "bad.yaml:"},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				before := s.Director.Active()
				var e director.ErrorsPage
				require.Equal(t, 400, admin(t, s, "POST", "/__admin/scenarios?file=bad.yaml", "application/yaml", b.yaml, &e))
				require.NotEmpty(t, e.Errors)
				assert.Contains(t, e.Errors[0], b.want)
				assert.NotEmpty(t, e.APIID)
				assert.Equal(t, before, s.Director.Active(), "the active scenarios changed")
				assert.Equal(t, 418, send(t, s, "GET", phloPath, nil).status)
			})
		}
		t.Run("the unknown operation's error names it", func(t *testing.T) {
			var e director.ErrorsPage
			admin(t, s, "POST", "/__admin/scenarios?file=bad.yaml", "", bad[2].yaml, &e)
			assert.Contains(t, e.Error, "getPhlos")
			assert.Contains(t, e.Error, "getPhlo")
		})
	})
}

// Reset is back to the defaults: the scenarios the fake started with
// active again, counters and calls from the start; ?scenarios=keep only
// rewinds, the active set stays.
func TestAdminReset(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		s := on(t, fake.Config{}, "flaky")
		for _, want := range []int{500, 500, 200} {
			assert.Equal(t, want, send(t, s, "GET", phloPath, nil).status)
		}
		require.Equal(t, 200, admin(t, s, "POST", "/__admin/reset", "", "", nil))
		assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status, "the counter rewound")

		require.NoError(t, s.Director.ActivateNames("rate-limited"))
		assert.Equal(t, 429, send(t, s, "GET", phloPath, nil).status)
		var page struct {
			Status string   `json:"status"`
			Active []string `json:"active"`
		}
		require.Equal(t, 200, admin(t, s, "POST", "/__admin/reset", "", "", &page))
		assert.Equal(t, []string{"flaky"}, page.Active, "reset activates the scenarios the fake started with")
		assert.Equal(t, []string{"flaky"}, s.Director.Active())
		assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status, "flaky from its first answer")

		require.NoError(t, s.Director.ActivateNames("rate-limited"))
		require.NoError(t, s.Director.Reset(t.Context()))
		assert.Equal(t, []string{"flaky"}, s.Director.Active(), "the Go Reset too")

		require.NoError(t, s.Director.ActivateNames("flaky", "bad-role"))
		assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status)
		require.Equal(t, 200, admin(t, s, "POST", "/__admin/reset?scenarios=keep", "", "", &page))
		assert.Equal(t, []string{"flaky", "bad-role"}, page.Active, "scenarios=keep keeps the active set")
		assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status, "and rewinds its counters")
		assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status)
		assert.Equal(t, 200, send(t, s, "GET", phloPath, nil).status)

		var e map[string]any
		require.Equal(t, 400, admin(t, s, "POST", "/__admin/reset?scenarios=drop", "", "", &e))
		assert.Contains(t, e["error"], `Invalid scenarios="drop": want keep`)
		assert.Equal(t, []string{"flaky", "bad-role"}, s.Director.Active(), "a refused reset changes nothing")
	})
}

// A fake started with no scenario goes back to none: the contract's answers.
func TestAdminResetNoScenario(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	require.NoError(t, s.Director.ActivateNames("rate-limited"))
	require.Equal(t, 429, send(t, s, "GET", phloPath, nil).status)
	require.Equal(t, 200, admin(t, s, "POST", "/__admin/reset", "", "", nil))
	assert.Empty(t, s.Director.Active())
	assert.Equal(t, 200, send(t, s, "GET", phloPath, nil).status, "rate-limited is off after a reset")
}

// times on activation: each rule answers that many requests, then the
// contract does; the active set still names the scenario.
func TestAdminActivateTimes(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		s := on(t, fake.Config{})
		var page director.ScenariosPage
		require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "", `{"names":["rate-limited"],"times":1}`, &page))
		assert.Equal(t, []string{"rate-limited"}, page.Active)
		assert.Equal(t, 429, send(t, s, "GET", phloPath, nil).status, "the next request")
		assert.Equal(t, 200, send(t, s, "GET", phloPath, nil).status, "only")

		require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "", `{"names":["rate-limited"],"times":2}`, nil))
		assert.Equal(t, []int{429, 429, 200}, []int{
			send(t, s, "GET", phloPath, nil).status, send(t, s, "GET", phloPath, nil).status, send(t, s, "GET", phloPath, nil).status})

		// flaky's rule says times 2 itself: a larger limit does not extend it.
		require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "", `{"names":["flaky"],"times":5}`, nil))
		assert.Equal(t, []int{500, 500, 200}, []int{
			send(t, s, "GET", phloPath, nil).status, send(t, s, "GET", phloPath, nil).status, send(t, s, "GET", phloPath, nil).status})

		require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "", `{"names":["rate-limited"]}`, nil))
		for range 3 {
			assert.Equal(t, 429, send(t, s, "GET", phloPath, nil).status, "without times: no limit")
		}
		var e map[string]any
		require.Equal(t, 400, admin(t, s, "PUT", "/__admin/scenarios/active", "", `{"names":["success"],"times":-1}`, &e))
		assert.Contains(t, e["error"], "Invalid times -1")
		assert.Equal(t, []string{"rate-limited"}, s.Director.Active(), "a refused activation changes nothing")
	})
}

func TestAdminCalls(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{}, "success")
	var e map[string]any
	assert.Equal(t, 404, admin(t, s, "GET", "/__admin/calls/"+phloID+"/"+nodeID, "", "", &e))
	assert.Contains(t, e["error"], "no active scenario is stateful")

	require.NoError(t, s.Director.ActivateNames("transfer-flow"))
	require.Equal(t, 201, send(t, s, "POST", memberPath("+14152223333"), hold).status)
	var page director.CallsPage
	require.Equal(t, 200, admin(t, s, "GET", "/__admin/calls", "", "", &page))
	assert.True(t, page.Stateful)
	require.Len(t, page.Calls, 1)
	var snap multiparty.Snapshot
	require.Equal(t, 200, admin(t, s, "GET", "/__admin/calls/"+phloID+"/"+nodeID, "", "", &snap))
	assert.Equal(t, []multiparty.Member{
		{Address: "+14152225555", Role: "agent", State: "connected"},
		{Address: "+14152223333", Role: "customer", State: "on_hold"},
	}, snap.Members)
	assert.Equal(t, uint64(1), snap.Seq)
	assert.Equal(t, 404, admin(t, s, "GET", "/__admin/calls/"+phloID+"/other", "", "", nil))

	require.Equal(t, 200, admin(t, s, "POST", "/__admin/reset?scenarios=keep", "", "", nil))
	admin(t, s, "GET", "/__admin/calls/"+phloID+"/"+nodeID, "", "", &snap)
	assert.Equal(t, uint64(0), snap.Seq, "a rewind brings the call back to its world")
	assert.Equal(t, multiparty.Connected, snap.Members[1].State)
}

func TestAdminVerify(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	send(t, s, "POST", nodePath, call)
	send(t, s, "POST", nodePath, coldAgent)
	send(t, s, "POST", memberPath("+14152223333"), hold)
	send(t, s, "GET", phloPath, nil)
	tests := []struct {
		body   string
		status int
		count  int
	}{
		{`{}`, 200, 4},
		{`{"operation":"updateMultiPartyCall"}`, 200, 2},
		{`{"operation":"updateMultiPartyCall","body":{"action":"cold_transfer","role":"agent"}}`, 200, 1},
		{`{"method":"POST","path":"/v1/phlo/*/multi_party_call/*/members/*"}`, 200, 1},
		{`{"path_params":{"member_address":"+14152223333"}}`, 200, 1},
		{`{"auth_id":"MAPHLOMOCKDEFAULT001","status":201}`, 200, 3},
		{`{"operation":"getPhlo","expect":1}`, 200, 1},
		{`{"operation":"runPhlo","expect":1}`, 417, 0},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			var res director.VerifyResult
			require.Equal(t, tt.status, admin(t, s, "POST", "/__admin/verify", "application/json", tt.body, &res))
			assert.Equal(t, tt.count, res.Count)
			if tt.status == 417 {
				assert.Equal(t, "Expected 1 matching requests, got 0.", res.Error)
				require.Len(t, res.Near, 3, "the closest requests, when none matched")
				assert.Equal(t, director.NearMiss{Seq: 4, Method: "GET", Path: phloPath, OperationID: "getPhlo",
					Differences: []string{`operation: got "getPhlo", want "runPhlo"`}}, res.Near[0])
			}
		})
	}
	var e map[string]any
	assert.Equal(t, 400, admin(t, s, "POST", "/__admin/verify", "application/json", `{"operaton":"getPhlo"}`, &e))
	assert.Contains(t, e["error"], "operaton")
}

func TestAdminJournalExplainsAMiss(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	send(t, s, "POST", nodePath+"/member/"+"+14152223333", hold)
	var page mockserver.JournalPage
	require.Equal(t, 200, admin(t, s, "GET", "/__admin/journal?status=404", "", "", &page))
	require.Len(t, page.Entries, 1)
	m := page.Entries[0].Closest
	require.NotNil(t, m)
	assert.Equal(t, "updateMember", m.OperationID)
	assert.Equal(t, []string{`segment 6: got "member", want "members"`}, m.Differences)
}

func TestPatternMatch(t *testing.T) {
	e := &mockserver.Entry{
		Method: "POST", Path: "/v1/phlo/P/multi_party_call/N/", OperationID: "updateMultiPartyCall",
		PathParams: map[string]string{"phlo_id": "P", "node_id": "N"}, AuthID: "MA1", Status: 201,
		Body: `{"action":"call","to":"+1","n":1,"ok":true}`, Rule: "r",
	}
	tests := []struct {
		p    director.Pattern
		want bool
	}{
		{director.Pattern{}, true},
		{director.Pattern{Method: "post"}, true},
		{director.Pattern{Method: "GET"}, false},
		{director.Pattern{Path: "/v1/phlo/*/multi_party_call/*"}, true},
		{director.Pattern{Path: "/v1/phlo/P/multi_party_call/N/"}, true},
		{director.Pattern{Path: "/v1/phlo/*"}, false},
		{director.Pattern{PathParams: map[string]string{"node_id": "N"}}, true},
		{director.Pattern{PathParams: map[string]string{"node_id": "X"}}, false},
		{director.Pattern{Body: map[string]any{"action": "call", "n": "1", "ok": true}}, true},
		{director.Pattern{Body: map[string]any{"n": 1.0}}, true},
		{director.Pattern{Body: map[string]any{"role": "agent"}}, false},
		{director.Pattern{AuthID: "MA2"}, false},
		{director.Pattern{Status: 400}, false},
		{director.Pattern{Rule: "r", Operation: "updateMultiPartyCall"}, true},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.Match(e), "pattern %+v", tt.p)
		})
	}
}

func TestPatternDiff(t *testing.T) {
	e := &mockserver.Entry{
		Method: "POST", Path: "/v1/phlo/P/multi_party_call/N", OperationID: "updateMultiPartyCall",
		PathParams: map[string]string{"phlo_id": "P", "node_id": "N"}, Status: 400,
		Body: `{"action":"call","role":"customer"}`,
	}
	p := director.Pattern{
		Method: "GET", PathParams: map[string]string{"node_id": "X"}, Status: 201,
		Body: map[string]any{"action": "call", "role": "agent", "to": "+1"},
	}
	assert.Equal(t, []string{
		`method: got "POST", want "GET"`,
		`path_params.node_id: got "N", want "X"`,
		`body.role: got "customer", want "agent"`,
		`body.to: missing, want "+1"`,
		"status: got 400, want 201",
	}, p.Diff(e))
	assert.Empty(t, (&director.Pattern{Body: map[string]any{"action": "call"}}).Diff(e))
}

func TestAdminJournalFiltersByScenarioAndRule(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{}, "flaky")
	for range 3 {
		send(t, s, "GET", phloPath, nil)
	}
	send(t, s, "GET", phloPath, nil, "X-Phlomock-Scenario", "server-error")
	for _, tt := range []struct {
		query string
		want  int
	}{
		{"rule=fail-twice", 2},
		{"scenario=flaky", 2},
		{"scenario=server-error&rule=internal-error", 1},
		{"rule=nope", 0},
		{"", 4},
	} {
		var page mockserver.JournalPage
		require.Equal(t, 200, admin(t, s, "GET", "/__admin/journal?"+tt.query, "", "", &page))
		assert.Len(t, page.Entries, tt.want, tt.query)
	}
}
