package scenarios

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMatcherDiff: Matches and Diff agree on every field (Diff is empty
// exactly when Matches holds), and Diff names the field, what was wanted and
// what the request had.
func TestMatcherDiff(t *testing.T) {
	req := callRequest() // POST /v1/phlo/P/multi_party_call/N, action call, role agent
	tests := []struct {
		name  string
		match Match
		req   func(*Request)
		want  []string
	}{
		{name: "empty match", match: Match{}},
		{name: "operation", match: Match{Operation: "updateMultiPartyCall"}},
		{name: "other operation", match: Match{Operation: "updateMember"},
			want: []string{`operation: got "updateMultiPartyCall", want "updateMember"`}},
		{name: "method ignores case", match: Match{Method: "post"}},
		{name: "other method", match: Match{Method: "GET"}, want: []string{`method: got "POST", want "GET"`}},
		{name: "path pattern", match: Match{Path: "/v1/phlo/*/multi_party_call/*"}},
		{name: "pattern's trailing slash ignored", match: Match{Path: "/v1/phlo/*/multi_party_call/*/"}},
		{name: "request's trailing slash ignored", match: Match{Path: "/v1/phlo/*/multi_party_call/*"},
			req: func(r *Request) { r.Path += "/" }},
		{name: "root stays root", match: Match{Path: "/"}, req: func(r *Request) { r.Path = "/" }},
		{name: "star is one segment", match: Match{Path: "/v1/phlo/*"},
			want: []string{`path: got "/v1/phlo/` + phloID + `/multi_party_call/` + nodeID + `", want "/v1/phlo/*"`}},
		{name: "double star is one segment too", match: Match{Path: "/v1/phlo/**"},
			want: []string{`path: got "/v1/phlo/` + phloID + `/multi_party_call/` + nodeID + `", want "/v1/phlo/**"`}},
		{name: "no fallback to plain text", match: Match{Path: "/v1/[x]"}, req: func(r *Request) { r.Path = "/v1/[x]" },
			want: []string{`path: got "/v1/[x]", want "/v1/[x]"`}},
		{name: "escaped pattern character", match: Match{Path: `/v1/\[x]`}, req: func(r *Request) { r.Path = "/v1/[x]" }},
		{name: "path param", match: Match{PathParams: map[string]string{"phlo_id": phloID}}},
		{name: "other path param", match: Match{PathParams: map[string]string{"phlo_id": "P2"}},
			want: []string{`path_params.phlo_id: got "` + phloID + `", want "P2"`}},
		{name: "missing path param", match: Match{PathParams: map[string]string{"member_address": "x"}},
			want: []string{`path_params.member_address: missing, want "x"`}},
		{name: "body field", match: Match{Body: map[string]string{"action": "call", "role": "agent"}}},
		{name: "other body field", match: Match{Body: map[string]string{"role": "customer"}},
			want: []string{`body.role: got "agent", want "customer"`}},
		{name: "missing body field", match: Match{Body: map[string]string{"ring_timeout": "30"}},
			want: []string{`body.ring_timeout: missing, want 30`}},
		{name: "number as text", match: Match{Body: map[string]string{"n": "1"}}, req: func(r *Request) { r.Body = map[string]any{"n": 1.0} }},
		{name: "number written otherwise", match: Match{Body: map[string]string{"n": "1.0"}}, req: func(r *Request) { r.Body = map[string]any{"n": 1.0} }},
		{name: "string of a number", match: Match{Body: map[string]string{"n": "1"}}, req: func(r *Request) { r.Body = map[string]any{"n": "1"} }},
		{name: "bool", match: Match{Body: map[string]string{"ok": "true"}}, req: func(r *Request) { r.Body = map[string]any{"ok": true} }},
		{name: "other bool", match: Match{Body: map[string]string{"ok": "true"}}, req: func(r *Request) { r.Body = map[string]any{"ok": false} },
			want: []string{`body.ok: got "false", want "true"`}},
		{name: "no body at all", match: Match{Body: map[string]string{"action": "call"}}, req: func(r *Request) { r.Body = nil },
			want: []string{`body.action: missing, want "call"`}},
		{name: "header name ignores case", match: Match{Headers: map[string]string{"user-agent": "plivo-go/7.60.2"}}},
		{name: "other header", match: Match{Headers: map[string]string{"User-Agent": "plivo-node"}},
			want: []string{`headers.User-Agent: got "plivo-go/7.60.2", want "plivo-node"`}},
		{name: "missing header", match: Match{Headers: map[string]string{"X-Trace": "1"}},
			want: []string{`headers.X-Trace: missing, want 1`}},
		{name: "auth id", match: Match{AuthID: "MAPHLOMOCKDEFAULT001"}},
		{name: "other auth id", match: Match{AuthID: "SAOTHER"},
			want: []string{`auth_id: got "MAPHLOMOCKDEFAULT001", want "SAOTHER"`}},
		{name: "every difference, in table order", match: Match{
			Operation: "updateMember", Method: "GET", Path: "/x",
			PathParams: map[string]string{"node_id": "N2", "phlo_id": "P2"},
			Body:       map[string]string{"role": "customer", "action": "hold"},
			Headers:    map[string]string{"User-Agent": "curl"},
			AuthID:     "SAOTHER",
		}, want: []string{
			`operation: got "updateMultiPartyCall", want "updateMember"`,
			`method: got "POST", want "GET"`,
			`path: got "/v1/phlo/` + phloID + `/multi_party_call/` + nodeID + `", want "/x"`,
			`path_params.node_id: got "` + nodeID + `", want "N2"`,
			`path_params.phlo_id: got "` + phloID + `", want "P2"`,
			`body.action: got "call", want "hold"`,
			`body.role: got "agent", want "customer"`,
			`headers.User-Agent: got "plivo-go/7.60.2", want "curl"`,
			`auth_id: got "MAPHLOMOCKDEFAULT001", want "SAOTHER"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req
			r.Header = req.Header.Clone()
			if tt.req != nil {
				tt.req(&r)
			}
			m, err := NewMatcher(tt.match)
			require.NoError(t, err)
			var got []string
			for _, d := range m.Diff(&r) {
				got = append(got, d.String())
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len(tt.want) == 0, m.Matches(&r), "Matches must agree with Diff")
		})
	}
}

func TestDifferenceFields(t *testing.T) {
	m, err := NewMatcher(Match{Body: map[string]string{"action": "call", "to": "+1"}})
	require.NoError(t, err)
	req := Request{Body: map[string]any{"action": "hold"}}
	assert.Equal(t, []Difference{
		{Field: "body.action", Want: "call", Got: "hold"},
		{Field: "body.to", Want: "+1", Missing: true},
	}, m.Diff(&req))
}

func TestNewMatcherRefusesBadPattern(t *testing.T) {
	_, err := NewMatcher(Match{Path: "/v1/[phlo"})
	require.Error(t, err)
	assert.Equal(t, `bad path pattern "/v1/[phlo": syntax error in pattern`, err.Error())
}

// TestClosest: a request that no rule answers is explained by the rule aimed
// at its endpoint with the fewest differences; a request far from every rule
// is no miss.
func TestClosest(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - name: far
    match: {operation: getPhlo}
    respond: 500
  - name: two-off
    match: {operation: updateMultiPartyCall, body: {action: hold, role: customer}}
    respond: 500
  - match: {operation: updateMultiPartyCall, body: {action: cold_transfer}}
    respond: 500
  - name: used-up
    match: {operation: updateMember}
    respond: 503
    times: 1
`)
	call := callRequest()
	_, ok := e.Match(call)
	require.False(t, ok)
	miss := e.Closest(&call)
	require.NotNil(t, miss)
	assert.Equal(t, &RuleMiss{Rule: "#3", Differences: []Difference{{Field: "body.action", Want: "cold_transfer", Got: "call"}}}, miss)

	run := requests()["runPhlo"]
	assert.Nil(t, e.Closest(&run), "no rule aims at runPhlo")

	member := requests()["updateMember"]
	assert.Nil(t, e.Closest(&member), "a rule that would match is no miss")
	_, ok = e.Match(member)
	require.True(t, ok)
	_, ok = e.Match(member)
	require.False(t, ok, "times: 1 is used up")
	miss = e.Closest(&member)
	require.NotNil(t, miss)
	assert.Equal(t, "used-up", miss.Rule)
	require.Len(t, miss.Differences, 1)
	assert.Equal(t, "times: used up after 1 requests", miss.Differences[0].String())

	e.Reset()
	assert.Nil(t, e.Closest(&member), "Reset gives the rule its times back")
}

func TestClosestCountsNoHit(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - match: {operation: updateMultiPartyCall, body: {action: hold}}
    respond: 500
    times: 1
`)
	call := callRequest()
	for range 3 {
		require.NotNil(t, e.Closest(&call))
	}
	hold := callRequest()
	hold.Body = map[string]any{"action": "hold"}
	_, ok := e.Match(hold)
	assert.True(t, ok, "Closest used none of the rule's times")
}

func BenchmarkMatcherMatches(b *testing.B) {
	m, err := NewMatcher(Match{Operation: "updateMultiPartyCall", Path: "/v1/phlo/*/multi_party_call/*", Body: map[string]string{"action": "call"}, Headers: map[string]string{"User-Agent": "plivo-go/7.60.2"}})
	require.NoError(b, err)
	req := callRequest()
	req.Header = http.Header{"User-Agent": {"plivo-go/7.60.2"}}
	b.ReportAllocs()
	for b.Loop() {
		if !m.Matches(&req) {
			b.Fatal("no match")
		}
	}
}

// MatchesRaw agrees with Matches on the body decoded by encoding/json, for
// flat bodies (read in place) and the others (decoded) alike, and reads a
// flat body without allocating.
func TestMatchesRaw(t *testing.T) {
	bodies := []string{
		``, `not json`, `[]`, `{}`, `null`,
		`{"action":"call","role":"agent"}`,
		` {"action" : "call", "role":"agent"} `,
		`{"action":"call"}`,
		`{"action":"call","role":"customer"}`,
		`{"action":"call","role":"agent","extra":true}`,
		`{"action":"call","role":"agent","action":"hold"}`, // twice: encoding/json keeps the last
		`{"action":"hold","role":"agent","action":"call"}`,
		`{"action":"c\u0061ll","role":"agent"}`,  // escaped: decoded
		`{"action":"call","role":"agent","n":1}`, // a number: decoded
		`{"action":"call","role":"agent","n":{"x":1}}`,
		`{"action":"call","role":null}`,
		`{"action":"call","role":true,"flag":false}`,
	}
	matches := []map[string]string{
		nil,
		{"action": "call"},
		{"action": "call", "role": "agent"},
		{"role": "null"},
		{"role": ""},
		{"role": "true", "flag": "false"},
		{"n": "1"},
		{"n": "1.0"},
		{"missing": ""},
	}
	for _, fields := range matches {
		m, err := NewMatcher(Match{Operation: "updateMultiPartyCall", Body: fields})
		require.NoError(t, err)
		for _, body := range bodies {
			req := callRequest()
			req.Body = nil
			_ = json.Unmarshal([]byte(body), &req.Body)
			want := m.Matches(&req)
			assert.Equal(t, want, m.MatchesRaw(&req, body), "match %v body %s", fields, body)
		}
	}
	m, err := NewMatcher(Match{Operation: "updateMultiPartyCall", Body: map[string]string{"action": "call", "role": "agent"}})
	require.NoError(t, err)
	req := callRequest()
	allocs := testing.AllocsPerRun(100, func() {
		if !m.MatchesRaw(&req, `{"action":"call","to":"+14152224444","role":"agent"}`) {
			t.Fatal("no match")
		}
	})
	assert.Zero(t, allocs)
	other := callRequest()
	other.OperationID = "updateMember"
	assert.False(t, m.MatchesRaw(&other, "not even read"), "another operation: the body is not read")
}
