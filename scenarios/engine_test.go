package scenarios

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func compileYAML(tb testing.TB, docs ...string) *Engine {
	tb.Helper()
	var ss []*Scenario
	for i, doc := range docs {
		s, err := Parse(fmt.Sprintf("s%d.yaml", i), []byte(doc))
		require.NoError(tb, err)
		require.NoError(tb, s.Validate(known))
		ss = append(ss, s)
	}
	e, err := Compile(ss...)
	require.NoError(tb, err)
	return e
}

func callRequest() Request {
	r := requests()["updateMultiPartyCall"]
	r.Header = http.Header{"User-Agent": {"plivo-go/7.60.2"}, "X-Count": {"3"}}
	return r
}

func TestMatchCriteria(t *testing.T) {
	tests := []struct {
		name  string
		match string
		want  bool
	}{
		{"empty match", `{}`, true},
		{"operation", `{operation: updateMultiPartyCall}`, true},
		{"other operation", `{operation: updateMember}`, false},
		{"method any case", `{method: post}`, true},
		{"other method", `{method: GET}`, false},
		{"path pattern", `{path: /v1/phlo/*/multi_party_call/*}`, true},
		{"path pattern with trailing slash", `{path: /v1/phlo/*/multi_party_call/*/}`, true},
		{"other path", `{path: /v1/phlo/*}`, false},
		{"path param", `{path_params: {phlo_id: ` + phloID + `}}`, true},
		{"other path param", `{path_params: {phlo_id: P2}}`, false},
		{"missing path param", `{path_params: {member_address: x}}`, false},
		{"body field", `{body: {action: call, role: agent}}`, true},
		{"other body field", `{body: {role: customer}}`, false},
		{"missing body field", `{body: {ring_timeout: "30"}}`, false},
		{"header any case", `{headers: {user-agent: plivo-go/7.60.2}}`, true},
		{"other header", `{headers: {User-Agent: plivo-node}}`, false},
		{"auth id", `{auth_id: MAPHLOMOCKDEFAULT001}`, true},
		{"other auth id", `{auth_id: SAOTHER0000000000000}`, false},
		{"all at once", `{operation: updateMultiPartyCall, method: POST, body: {action: call}, auth_id: MAPHLOMOCKDEFAULT001}`, true},
		{"one of many differs", `{operation: updateMultiPartyCall, method: POST, body: {action: hangup}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := compileYAML(t, "version: 1\nrules:\n  - match: "+tt.match+"\n    respond: 418\n")
			_, ok := e.Match(callRequest())
			assert.Equal(t, tt.want, ok)
		})
	}
}

func TestMatchBodyValueTypes(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		value any
		want  bool
	}{
		{"number equals number", "2", 2.0, true},
		{"float text equals number", "2.0", 2.0, true},
		{"number differs", "2", 3.0, false},
		{"string is not a number", "x", 2.0, false},
		{"bool", "true", true, true},
		{"bool differs", "true", false, true == false},
		{"null as empty", `""`, nil, true},
		{"object as JSON text", `'{"a":1}'`, map[string]any{"a": 1.0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := compileYAML(t, "version: 1\nrules:\n  - match: {body: {n: "+tt.rule+"}}\n    respond: 418\n")
			_, ok := e.Match(Request{Body: map[string]any{"n": tt.value}})
			assert.Equal(t, tt.want, ok)
		})
	}
}

func TestRuleOrderAndLayering(t *testing.T) {
	base := `version: 1
rules:
  - {name: first, match: {operation: updateMultiPartyCall}, respond: 500}
  - {name: second, respond: 503}
`
	over := `version: 1
rules:
  - {name: override, match: {operation: updateMember}, respond: 429}
`
	e := compileYAML(t, base, over)
	tests := []struct{ op, rule string }{
		{"updateMultiPartyCall", "first"},
		{"getPhlo", "second"},
		{"updateMember", "override"},
	}
	for _, tt := range tests {
		a, ok := e.Match(requests()[tt.op])
		require.True(t, ok)
		assert.Equal(t, tt.rule, a.RuleName, tt.op)
	}
}

func TestSequenceAndTimes(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - name: seq
    sequence:
      - {status: 500, times: 2}
      - {status: 503}
      - {status: 201}
    times: 5
  - name: fallback
    respond: 418
`)
	var got []string
	for range 7 {
		a, ok := e.Match(callRequest())
		require.True(t, ok)
		got = append(got, fmt.Sprintf("%s:%d", a.RuleName, a.Status))
	}
	assert.Equal(t, []string{"seq:500", "seq:500", "seq:503", "seq:201", "seq:201", "fallback:418", "fallback:418"}, got)

	e.Reset()
	a, _ := e.Match(callRequest())
	assert.Equal(t, 500, a.Status, "reset rewinds the sequence")
}

func TestSequenceConcurrent(t *testing.T) {
	e := compileYAML(t, "version: 1\nrules:\n  - {times: 100, respond: 500}\n")
	var wg sync.WaitGroup
	var mu sync.Mutex
	hits := 0
	for range 20 {
		wg.Go(func() {
			for range 50 {
				if _, ok := e.Match(callRequest()); ok {
					mu.Lock()
					hits++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 100, hits, "times: 100 answers exactly 100 requests")
}

func TestAnswerBody(t *testing.T) {
	tests := []struct {
		name string
		resp string
		want string
	}{
		{"templated", `{status: 400, body: {api_id: "{{api_id}}", error: "{{body.to}} on {{path.phlo_id}} by {{auth_id}}", n: 1.5, ok: true, none: null, l: ["{{method}}"]}}`,
			`{"api_id":"ID","error":"+14152223333 on ` + phloID + ` by MAPHLOMOCKDEFAULT001","n":1.5,"ok":true,"none":null,"l":["POST"]}`},
		{"headers and request line", `{status: 400, body: {e: "{{header.user-agent}} {{operation}} {{header.X-Absent}}|{{body.absent}}"}}`,
			`{"e":"plivo-go/7.60.2 updateMultiPartyCall |"}`},
		{"values are escaped", `{status: 400, body: {e: "{{body.trigger_source}}"}}`, `{"e":"\"},\"x\":\"\n"}`},
		{"raw body", `{status: 400, body: '{"api_id": "{{api_id}}", "to": "{{body.trigger_source}}"}'}`, `{"api_id": "ID", "to": "\"},\"x\":\"\n"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := compileYAML(t, "version: 1\nrules:\n  - respond: "+tt.resp+"\n")
			req := callRequest()
			if tt.name == "values are escaped" || tt.name == "raw body" {
				req.Body["trigger_source"] = "\"},\"x\":\"\n"
			}
			a, ok := e.Match(req)
			require.True(t, ok)
			require.True(t, a.HasBody())
			if tt.name == "raw body" {
				assert.Equal(t, `{"api_id": "ID", "to": "\"},\"x\":\"\n"}`, string(a.Body("ID")))
				return
			}
			assert.JSONEq(t, tt.want, string(a.Body("ID")))
		})
	}
}

func TestAnswerFields(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - {name: hdr, match: {operation: getPhlo}, respond: {status: 429, headers: {retry-after: "2"}, delay: 150ms}}
  - {name: drop, match: {operation: runPhlo}, respond: {drop: true}}
  - {name: ok, respond: {status: 201}}
`)
	a, _ := e.Match(requests()["getPhlo"])
	assert.Equal(t, http.Header{"Retry-After": {"2"}}, a.Header)
	assert.Equal(t, 150*time.Millisecond, a.Delay)
	a, _ = e.Match(requests()["runPhlo"])
	assert.True(t, a.Drop)
	assert.False(t, a.HasBody())
	a, _ = e.Match(requests()["updateMember"])
	assert.Equal(t, 201, a.Status)
	assert.False(t, a.HasBody(), "a 2xx rule without body leaves the body to the contract")
	e = compileYAML(t, "version: 1\nrules:\n  - respond: 503\n")
	a, _ = e.Match(requests()["getPhlo"])
	assert.Equal(t, 503, a.Status)
	assert.False(t, a.HasBody(), "an error rule without body leaves the text to the fake: the contract's for the status")
}

func TestDelayRange(t *testing.T) {
	e := compileYAML(t, "version: 1\nrules:\n  - respond: {delay: {min: 10ms, max: 12ms}}\n")
	for range 100 {
		a, ok := e.Match(callRequest())
		require.True(t, ok)
		require.GreaterOrEqual(t, a.Delay, 10*time.Millisecond)
		require.LessOrEqual(t, a.Delay, 12*time.Millisecond)
	}
}

func TestCompileRejectsInvalid(t *testing.T) {
	_, err0 := Compile(nil)
	require.Error(t, err0)
	_, err := Compile(&Scenario{Version: 1, Rules: []Rule{{Respond: &Response{Status: 42}}}})
	require.Error(t, err)
	_, err = Compile(&Scenario{Version: 1, Rules: []Rule{{Respond: &Response{Status: 400, Body: "{{nope}}", BodyRaw: true}}}})
	require.Error(t, err)
}

func TestWorldMerge(t *testing.T) {
	e := compileYAML(t,
		"version: 1\nworld:\n  accounts: [{auth_id: A, auth_token: a}, {auth_id: B, auth_token: b}]\n  phlos: [{id: P, name: old}]\n",
		"version: 1\nworld:\n  accounts: [{auth_id: B, auth_token: b2}]\n  phlos: [{id: P, name: new}, {id: Q}]\n")
	w := e.World()
	require.Len(t, w.Accounts, 2)
	assert.Equal(t, "b2", w.Accounts[1].AuthToken)
	require.Len(t, w.PHLOs, 2)
	assert.Equal(t, "new", w.PHLOs[0].Name)
}

func BenchmarkMatchMiss(b *testing.B) {
	e := compileYAML(b, `version: 1
rules:
  - {match: {operation: getPhlo, body: {action: x}}, respond: 500}
  - {match: {path: /v1/account/*/phlo/*}, respond: 500}
  - {match: {headers: {X-Test: "1"}, path_params: {phlo_id: nope}}, respond: 500}
  - {match: {auth_id: SAOTHER0000000000000}, respond: 500}
`)
	req := callRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := e.Match(req); ok {
			b.Fatal("matched")
		}
	}
}

func BenchmarkMatchHit(b *testing.B) {
	e := builtinEngine(b, "bad-role")
	req := callRequest()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		a, ok := e.Match(req)
		if !ok {
			b.Fatal("no match")
		}
		buf = a.AppendBody(buf[:0], "6c0f9b46-0c5f-4d5b-8d4e-6e7f1e2c3b4a")
	}
}

// A rule can answer what the contract never would, to exercise a client's
// error path: an empty body, or a body that is not JSON with its own
// Content-Type.
func TestAnswerRawBodies(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - {name: empty, match: {operation: getPhlo}, respond: {status: 400, body: ""}}
  - name: html
    match: {operation: runPhlo}
    respond:
      status: 502
      headers: {Content-Type: text/html}
      body: "<html><body><h1>502 Bad Gateway</h1></body></html>"
`)
	a, ok := e.Match(requests()["getPhlo"])
	require.True(t, ok)
	assert.Equal(t, 400, a.Status)
	require.True(t, a.HasBody(), `body: "" sets a body`)
	body := a.Body("ID")
	assert.NotNil(t, body, `got a nil body for body: "", want an empty one (nil means the default body)`)
	assert.Empty(t, body)

	a, ok = e.Match(requests()["runPhlo"])
	require.True(t, ok)
	assert.Equal(t, 502, a.Status)
	assert.Equal(t, http.Header{"Content-Type": {"text/html"}}, a.Header)
	assert.Equal(t, "<html><body><h1>502 Bad Gateway</h1></body></html>", string(a.Body("ID")))
}

// Peek answers what Match would answer next, at every point of a
// sequence, and counts nothing: the proxy's dry run of the fake.
func TestPeekCountsNothing(t *testing.T) {
	e := compileYAML(t, `version: 1
rules:
  - name: seq
    sequence:
      - {status: 500, times: 2}
      - {status: 201}
    times: 3
  - name: fallback
    respond: 418
`)
	var peeked, matched []string
	for range 5 {
		for range 3 {
			p, ok := e.Peek(callRequest())
			require.True(t, ok)
			peeked = append(peeked, fmt.Sprintf("%s:%d", p.RuleName, p.Status))
		}
		a, ok := e.Match(callRequest())
		require.True(t, ok)
		matched = append(matched, fmt.Sprintf("%s:%d", a.RuleName, a.Status))
	}
	assert.Equal(t, []string{"seq:500", "seq:500", "seq:201", "fallback:418", "fallback:418"}, matched,
		"peeking in between changes no step of the sequence")
	var want []string
	for _, m := range matched {
		want = append(want, m, m, m)
	}
	assert.Equal(t, want, peeked, "each peek is the next match's answer")
}
