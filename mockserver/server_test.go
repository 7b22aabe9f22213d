package mockserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

const seedBody = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

// operations: one valid request per operation of the spec, and what its
// default answer must hold.
var operations = []struct {
	id, method, path, body string
	status                 int
	want                   map[string]any
}{
	{"runPhlo", "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", `{"from":"+14152223333","to":"+14152225555"}`, 201,
		map[string]any{"phlo_id": "P1"}},
	{"getPhlo", "GET", "/v1/phlo/P1", "", 200,
		map[string]any{"phlo_id": "P1", "name": "PHLO", "created_on": "2020-08-01 09:05:11.846982+00:00"}},
	{"getMultiPartyCall", "GET", "/v1/phlo/P1/multi_party_call/N1", "", 200,
		map[string]any{"phlo_id": "P1", "node_id": "N1", "node_type": "multi_party_call", "name": "Multi-Party Call_1"}},
	{"updateMultiPartyCall", "POST", "/v1/phlo/P1/multi_party_call/N1", seedBody, 201,
		map[string]any{"error": ""}},
	{"updateMember", "POST", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", `{"action":"hold"}`, 201,
		map[string]any{"error": ""}},
	{"getConferenceBridge", "GET", "/v1/phlo/P1/conference_bridge/N1", "", 200,
		map[string]any{"phlo_id": "P1", "node_id": "N1", "node_type": "conference_bridge"}},
	{"updateConferenceMember", "POST", "/v1/phlo/P1/conference_bridge/N1/members/+14152223333", `{"action":"mute"}`, 201,
		map[string]any{"error": ""}},
}

func TestEveryOperation(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	for _, op := range operations {
		t.Run(op.id+"/success", func(t *testing.T) {
			r := do(t, s, op.method, op.path, "", "application/json", op.body)
			require.Equalf(t, op.status, r.status, "body %s", r.raw)
			assert.Regexp(t, uuidRE, r.body["api_id"])
			for k, v := range op.want {
				assert.Equalf(t, v, r.body[k], "field %s", k)
			}
			if op.id == "runPhlo" {
				assert.Equal(t, r.body["api_id"], r.body["phlo_run_id"], "phlo_run_id equals api_id")
				assert.Contains(t, r.body["message"], r.body["api_id"])
			}
			last := s.Journal().Entries(mockserver.Filter{Limit: 1})
			require.Len(t, last, 1)
			assert.Equal(t, op.id, last[0].OperationID)
		})
		t.Run(op.id+"/fresh api_id", func(t *testing.T) {
			a := do(t, s, op.method, op.path, "", "application/json", op.body)
			b := do(t, s, op.method, op.path, "", "application/json", op.body)
			assert.NotEqual(t, a.body["api_id"], b.body["api_id"])
		})
		t.Run(op.id+"/trailing slash", func(t *testing.T) {
			r := do(t, s, op.method, op.path+"/", "", "application/json", op.body)
			assert.Equalf(t, op.status, r.status, "body %s", r.raw)
		})
		t.Run(op.id+"/extra query", func(t *testing.T) {
			r := do(t, s, op.method, op.path+"?phlo_id=P1&x=1", "", "application/json", op.body)
			assert.Equalf(t, op.status, r.status, "body %s", r.raw)
		})
		errorCases := []struct {
			name, auth, method, path, ct, body string
			status                             int
		}{
			{"no credentials", "-", op.method, op.path, "application/json", op.body, 401},
			{"wrong token", mockserver.DefaultAuthID + ":nope", op.method, op.path, "application/json", op.body, 401},
			{"unknown auth id", "MAXXXXXXXXXXXXXXXXXX:" + mockserver.DefaultAuthToken, op.method, op.path, "application/json", op.body, 401},
			{"unknown path", "", op.method, op.path + "/nowhere/else", "application/json", op.body, 404},
			{"wrong method", "", "DELETE", op.path, "", "", 405},
		}
		if op.method == "POST" {
			errorCases = append(errorCases,
				struct {
					name, auth, method, path, ct, body string
					status                             int
				}{"wrong content type", "", "POST", op.path, "text/xml", "<a/>", 415},
				struct {
					name, auth, method, path, ct, body string
					status                             int
				}{"body over the limit", "", "POST", op.path, "application/json", `{"action":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
				struct {
					name, auth, method, path, ct, body string
					status                             int
				}{"malformed JSON", "", "POST", op.path, "application/json", `{"action":`, 400},
				struct {
					name, auth, method, path, ct, body string
					status                             int
				}{"not an object", "", "POST", op.path, "application/json", `[1,2]`, 400},
			)
		}
		for _, c := range errorCases {
			t.Run(op.id+"/"+c.name, func(t *testing.T) {
				r := do(t, s, c.method, c.path, c.auth, c.ct, c.body)
				require.Equalf(t, c.status, r.status, "body %s", r.raw)
				assert.Regexp(t, uuidRE, r.body["api_id"])
				assert.NotEmpty(t, r.body["error"])
				if c.status == 405 {
					assert.Contains(t, strings.Split(r.header.Get("Allow"), ", "), op.method)
				}
			})
		}
	}
}

func TestBodyViolations(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	const node = "/v1/phlo/P1/multi_party_call/N1"
	const member = node + "/members/+14152223333"
	cases := []struct {
		name, path, body string
		want             string
	}{
		{"missing action", node, `{"to":"+1","role":"agent","trigger_source":"+2"}`,
			"action is a mandatory param."},
		{"empty action", member, `{"action":""}`,
			"action is a mandatory param."},
		{"unknown node action", node, `{"action":"hold"}`,
			"Invalid value provided for action. Allowed values are 'call', 'warm_transfer' and 'cold_transfer'."},
		{"unknown member action", member, `{"action":"call"}`,
			"Invalid value provided for action. Allowed values are 'abort_transfer', 'hold', 'unhold', 'hangup', 'resume_call', 'voicemail_drop', 'mute' and 'unmute'."},
		{"no member body", member, ``,
			"action is a mandatory param."},
		{"bad role", node, `{"action":"call","to":"+1","role":"boss","trigger_source":"+2"}`,
			"Invalid value provided for role. Allowed values are 'customer' and 'agent'."},
		{"missing to", node, `{"action":"cold_transfer","role":"agent","trigger_source":"+1"}`,
			"to is a mandatory param."},
		{"wrong type", node, `{"action":"call","to":14152225555,"role":"agent","trigger_source":"+2"}`,
			"Invalid value provided for to. to expects a/an string."},
		{"pattern", node, `{"action":"warm_transfer","to":"alice","role":"agent","trigger_source":"+2"}`,
			"Invalid value provided for to. to must be a phone number in E.164 format (e.g. +14152225555) or a SIP endpoint (e.g. sip:alice123@phone.plivo.com)."},
		{"every violation, sorted", node, `{"action":"call","to":"","role":"boss"}`,
			"Invalid value provided for role. Allowed values are 'customer' and 'agent'.; " +
				"Invalid value provided for to. to must be a phone number in E.164 format (e.g. +14152225555) or a SIP endpoint (e.g. sip:alice123@phone.plivo.com).; " +
				"trigger_source is a mandatory param."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, "POST", c.path, "", "application/json", c.body)
			require.Equalf(t, 400, r.status, "body %s", r.raw)
			assert.Equal(t, c.want, r.body["error"])
		})
	}
}

func TestLeniencies(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	// lenient is every leniency the journal must note, in order; none for
	// a request the contract takes as it is.
	cases := []struct {
		name, method, path, ct, body string
		lenient                      []string
	}{
		{"role empty", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json",
			`{"action":"warm_transfer","to":"sip:bob@phone.plivo.com","role":"","trigger_source":"+14152223333"}` + "\n", []string{"whitespace around the JSON body ignored", `role "": defaulted to "agent"`}},
		{"role null", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json",
			`{"action":"call","to":"+1","role":null,"trigger_source":"+2"}`, []string{`role null: defaulted to "agent"`}},
		{"role missing", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json",
			`{"action":"call","to":"+1","trigger_source":"+2"}`, []string{`role missing: defaulted to "agent"`}},
		{"run body empty string", "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", "application/json", `""`, []string{`body "" treated as no body`}},
		{"run body empty", "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1/", "", ``, nil},
		{"run body {}", "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", "application/json", `{}`, nil},
		{"curl -d form content type", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/x-www-form-urlencoded", seedBody,
			[]string{`Content-Type "application/x-www-form-urlencoded" with a JSON body read as application/json: send Content-Type: application/json, as Plivo's SDKs do`}},
		{"charset", "POST", "/v1/phlo/P1/multi_party_call/N1", "application/json; charset=utf-8", seedBody, nil},
		{"content type on GET", "GET", "/v1/phlo/P1", "application/json", ``, nil},
		{"raw plus member", "POST", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", "application/json", `{"action":"abort_transfer"}`, nil},
		{"sip member", "POST", "/v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com", "application/json", `{"action":"hold"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, c.method, c.path, "", c.ct, c.body)
			require.Truef(t, r.status/100 == 2, "got %d %s, want 2xx", r.status, r.raw)
			e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
			require.Equal(t, c.path, e.Path, "the journal's last entry is this request's")
			assert.Equal(t, c.body, e.Body, "the journal keeps the raw body")
			assert.Equal(t, c.lenient, e.Lenient, "every leniency applied, and only those")
		})
	}
	t.Run("member address is not decoded", func(t *testing.T) {
		do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", "", "application/json", `{"action":"hold"}`)
		e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
		assert.Equal(t, "+14152223333", e.PathParams["member_address"])
	})
}

// TestNotFoundSaysWhatWasMeant: a near-miss path answers a 404 naming the
// documented path it meant, with the request's ids; one further away gets
// no suggestion (the journal still has its closest route).
func TestNotFoundSaysWhatWasMeant(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	cases := []struct{ name, method, path, want string }{
		{"no /v1", "GET", "/phlo/P1", `Did you mean GET /v1/phlo/P1 (getPhlo)? the documented paths start with /v1.`},
		{"no /v1, deeper", "POST", "/phlo/P1/multi_party_call/N1/members/+14152223333", `Did you mean POST /v1/phlo/P1/multi_party_call/N1/members/+14152223333 (updateMember)? the documented paths start with /v1.`},
		{"doubled /v1", "GET", "/v1/v1/phlo/P1/multi_party_call/N1", `Did you mean GET /v1/phlo/P1/multi_party_call/N1 (getMultiPartyCall)? the documented paths start with /v1, not /v1/v1.`},
		{"another prefix", "GET", "/api/v1/phlo/P1", `Did you mean GET /v1/phlo/P1 (getPhlo)? the documented paths start with /v1, not /api/v1.`},
		{"another version", "POST", "/v2/account/MA1/phlo/P1", `Did you mean POST /v1/account/MA1/phlo/P1 (runPhlo)? the documented paths start with /v1, not /v2.`},
		{"wrong case", "GET", "/V1/Phlo/P1", `Did you mean GET /v1/phlo/P1 (getPhlo)? segment 1: got "V1", want "v1" (paths are case-sensitive); segment 2: got "Phlo", want "phlo" (paths are case-sensitive).`},
		{"wrong case, no /v1", "GET", "/PHLO/P1/", `Did you mean GET /v1/phlo/P1 (getPhlo)? the documented paths start with /v1; segment 2: got "PHLO", want "phlo" (paths are case-sensitive).`},
		{"id before its segment", "GET", "/v1/P1/phlo", `Did you mean GET /v1/phlo/P1 (getPhlo)? segments 2 and 3 are swapped: "P1" comes after "phlo".`},
		{"ids swapped with a segment", "GET", "/v1/phlo/multi_party_call/P1/N1", `Did you mean GET /v1/phlo/P1/multi_party_call/N1 (getMultiPartyCall)? segments 3 and 4 are swapped: "multi_party_call" comes after "P1".`},
		{"a typo", "GET", "/v1/phlo/P1/multi_party_cal/N1", `Did you mean GET /v1/phlo/P1/multi_party_call/N1 (getMultiPartyCall)? segment 4: got "multi_party_cal", want "multi_party_call".`},
		{"a typo, other method", "GET", "/v1/phlo/P1/multi_party_call/N1/member/m", `Did you mean POST /v1/phlo/P1/multi_party_call/N1/members/m (updateMember)? method: got GET, want POST; segment 6: got "member", want "members".`},
		// Further away: no suggestion in the text.
		{"an extra segment", "GET", "/v1/phlo/P1/extra", "no operation for GET /v1/phlo/P1/extra."},
		{"nothing near", "GET", "/something/else", "no operation for GET /something/else."},
		{"a missing id", "GET", "/v1/nowhere", "no operation for GET /v1/nowhere."},
		{"a segment as an id", "GET", "/phlo/phlo", "no operation for GET /phlo/phlo."},
		{"the root", "GET", "/", "no operation for GET /."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, s, c.method, c.path, "", "application/json", "")
			require.Equal(t, 404, r.status, "body %s", r.raw)
			assert.True(t, strings.HasSuffix(r.body["error"].(string), c.want), "got %q, want it to end with %q", r.body["error"], c.want)
		})
	}
}

// TestControlPlanePathOnTheAPIPort: a control plane path sent to the API's
// port says where the control plane is, and the path to try there.
func TestControlPlanePathOnTheAPIPort(t *testing.T) {
	cases := []struct{ name, set, path, want string }{
		{"not said", "-", "/__admin/journal", "This is the API's port: the control plane has a handler of its own (AdminHandler)."},
		{"its own port", "http://127.0.0.1:8081", "/__admin/scenarios/active", "This is the API's port: the control plane is at http://127.0.0.1:8081; try http://127.0.0.1:8081/__admin/scenarios/active."},
		{"a probe", "http://127.0.0.1:8081", "/readyz", "try http://127.0.0.1:8081/readyz."},
		{"under a prefix", "http://127.0.0.1:8080/mock", "/__admin/journal", "the control plane is at http://127.0.0.1:8080/mock; try http://127.0.0.1:8080/mock/journal."},
		{"none", "", "/__admin", "This is the API's port, and this fake serves no control plane."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, mockserver.Options{})
			if c.set != "-" {
				s.SetControlPlane(c.set)
			}
			r := do(t, s, "GET", c.path, "", "", "")
			require.Equal(t, 404, r.status, "body %s", r.raw)
			assert.True(t, strings.HasSuffix(r.body["error"].(string), c.want), "got %q, want it to end with %q", r.body["error"], c.want)
		})
	}
}

func TestEmptyIDs(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	for _, path := range []string{"/v1/phlo/", "/v1/phlo//multi_party_call/N1", "/v1/phlo/P1/multi_party_call/N1/members/"} {
		t.Run(path, func(t *testing.T) {
			r := do(t, s, "POST", path, "", "application/json", `{"action":"hold"}`)
			if path == "/v1/phlo/" {
				r = do(t, s, "GET", path, "", "", "")
			}
			assert.Equalf(t, 404, r.status, "body %s", r.raw)
			assert.Contains(t, r.body["error"], "is empty")
		})
	}
}

func TestActionStatus200(t *testing.T) {
	s := newServer(t, mockserver.Options{ActionStatus: 200})
	r := do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1", "", "application/json", seedBody)
	assert.Equal(t, 200, r.status)
	r = do(t, s, "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", "", "", "")
	assert.Equal(t, 201, r.status, "run documents only 201")
}

type world map[string][]string // phlo id -> node ids

func (w world) Phlo(id string) (mockserver.Phlo, bool) {
	_, ok := w[id]
	return mockserver.Phlo{ID: id, Name: "Support line"}, ok
}

func (w world) Node(phlo, node string) (mockserver.Node, bool) {
	for _, n := range w[phlo] {
		if n == node {
			return mockserver.Node{ID: node, PhloID: phlo, Name: "MPC"}, true
		}
	}
	return mockserver.Node{}, false
}

func TestStrictIDs(t *testing.T) {
	w := world{"P1": {"N1"}}
	cases := []struct {
		name, method, path, body string
		strict                   bool
		status                   int
	}{
		{"declared phlo", "GET", "/v1/phlo/P1", "", true, 200},
		{"undeclared phlo", "GET", "/v1/phlo/P2", "", true, 404},
		{"undeclared phlo, open world", "GET", "/v1/phlo/P2", "", false, 200},
		{"declared node", "POST", "/v1/phlo/P1/multi_party_call/N1", seedBody, true, 201},
		{"undeclared node", "POST", "/v1/phlo/P1/multi_party_call/N2", seedBody, true, 404},
		{"undeclared node member", "POST", "/v1/phlo/P1/multi_party_call/N2/members/+14152223333", `{"action":"hold"}`, true, 404},
		{"run undeclared", "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P9", "", true, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(t, mockserver.Options{Store: mockserver.State{World: w}, StrictIDs: c.strict})
			r := do(t, s, c.method, c.path, "", "application/json", c.body)
			assert.Equalf(t, c.status, r.status, "body %s", r.raw)
		})
	}
	t.Run("names from the world", func(t *testing.T) {
		s := newServer(t, mockserver.Options{Store: mockserver.State{World: w}, StrictIDs: true})
		assert.Equal(t, "Support line", do(t, s, "GET", "/v1/phlo/P1", "", "", "").body["name"])
		assert.Equal(t, "MPC", do(t, s, "GET", "/v1/phlo/P1/multi_party_call/N1", "", "", "").body["name"])
	})
}

func TestAccounts(t *testing.T) {
	s := newServer(t, mockserver.Options{Store: mockserver.State{Accounts: mockserver.StaticAccounts{"SAXXXXXXXXXXXXXXXXXX": "secret"}}})
	assert.Equal(t, 200, do(t, s, "GET", "/v1/phlo/P1", "SAXXXXXXXXXXXXXXXXXX:secret", "", "").status)
	assert.Equal(t, 401, do(t, s, "GET", "/v1/phlo/P1", "", "", "").status, "the default account is replaced")
	r := do(t, s, "GET", "/v1/phlo/P1", "SAXXXXXXXXXXXXXXXXXX:wrong", "", "")
	assert.Equal(t, `Basic realm="phlomock"`, r.header.Get("WWW-Authenticate"))
}

// countingStore counts the requests it is asked for a state, and gives the
// state of its phase: the first accounts, or an error.
type countingStore struct {
	calls atomic.Int64
	err   error
}

func (c *countingStore) State(*http.Request) (mockserver.State, error) {
	c.calls.Add(1)
	return mockserver.State{Accounts: mockserver.StaticAccounts{"SAXXXXXXXXXXXXXXXXXX": "secret"}}, c.err
}

// TestStore: the Store is asked once per request that reaches auth, its
// accounts decide, and a Store that fails answers 503, journaled.
func TestStore(t *testing.T) {
	st := &countingStore{}
	s := newServer(t, mockserver.Options{Store: st})
	assert.Equal(t, 200, do(t, s, "GET", "/v1/phlo/P1", "SAXXXXXXXXXXXXXXXXXX:secret", "", "").status)
	assert.Equal(t, 401, do(t, s, "GET", "/v1/phlo/P1", "", "", "").status, "the Store's accounts replace the default")
	assert.Equal(t, 201, do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1", "SAXXXXXXXXXXXXXXXXXX:secret", "application/json", seedBody).status)
	assert.Equal(t, 404, do(t, s, "GET", "/v1/nowhere", "", "", "").status)
	assert.Equal(t, int64(3), st.calls.Load(), "calls to State: one per routed request, none for a 404")

	st.err = errors.New("redis: connection refused")
	r := do(t, s, "GET", "/v1/phlo/P1", "SAXXXXXXXXXXXXXXXXXX:secret", "", "")
	assert.Equal(t, 503, r.status)
	assert.Equal(t, "The fake's state is unavailable: redis: connection refused.", r.body["error"])
	e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
	require.Len(t, e.Violations, 1)
	assert.Equal(t, mockserver.CodeUnavailable, e.Violations[0].Code)
	assert.Equal(t, 503, e.Status)
}

func TestResponder(t *testing.T) {
	var seen *mockserver.Exchange
	resp := mockserver.ResponderFunc(func(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
		seen = ex
		switch ex.PathParams["member_address"] {
		case "+15550000001":
			return &mockserver.Answer{Status: 400, Body: []byte(`{"api_id":"00000000-0000-4000-8000-000000000000","error":"member is not in the call"}`)}, true
		case "+15550000002":
			return &mockserver.Answer{Status: 200}, true
		case "+15550000003":
			return &mockserver.Answer{Status: 500}, true
		}
		return nil, false
	})
	s := newServer(t, mockserver.Options{Store: mockserver.State{Responder: resp}})
	cases := []struct {
		member string
		status int
		error  string
	}{
		{"+15550000001", 400, "member is not in the call"},
		{"+15550000002", 200, ""},
		{"+15550000003", 500, "Internal server error"}, // the contract's 500 example
		{"+15550000004", 201, ""},
	}
	for _, c := range cases {
		t.Run(c.member, func(t *testing.T) {
			seen = nil // what an earlier case left must not pass this one
			r := do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1/members/"+c.member, "", "application/json", `{"action":"hangup","extra":1}`)
			assert.Equalf(t, c.status, r.status, "body %s", r.raw)
			assert.Equal(t, c.error, r.body["error"])
			require.NotNil(t, seen, "the Responder saw the request")
			assert.Equal(t, c.member, seen.PathParams["member_address"])
			assert.Equal(t, "updateMember", seen.OperationID)
			assert.Equal(t, "hangup", seen.Body["action"])
			assert.Equal(t, mockserver.DefaultAuthID, seen.AuthID)
		})
	}
	t.Run("answer breaking the contract becomes a 500", func(t *testing.T) {
		s := newServer(t, mockserver.Options{Store: mockserver.State{Responder: mockserver.ResponderFunc(func(context.Context, *mockserver.Exchange) (*mockserver.Answer, bool) {
			return &mockserver.Answer{Status: 201, Body: []byte(`{"api_id":"x"}`)}, true
		})}})
		r := do(t, s, "GET", "/v1/phlo/P1", "", "", "")
		assert.Equal(t, 500, r.status)
		assert.Contains(t, r.body["error"], "breaks the contract")
	})
}

func TestJournalRedactsAndBounds(t *testing.T) {
	s := newServer(t, mockserver.Options{JournalSize: 2})
	for _, p := range []string{"/v1/phlo/A", "/v1/phlo/B", "/v1/phlo/C"} {
		do(t, s, "GET", p, "", "", "")
	}
	es := s.Journal().Entries(mockserver.Filter{})
	require.Len(t, es, 2)
	assert.Equal(t, "/v1/phlo/B", es[0].Path)
	assert.Equal(t, "/v1/phlo/C", es[1].Path)
	auth := es[1].Header.Get("Authorization")
	assert.Equal(t, "Basic "+mockserver.DefaultAuthID+":[redacted]", auth)
	assert.NotContains(t, auth, mockserver.DefaultAuthToken)
	assert.Equal(t, mockserver.DefaultAuthID, es[1].AuthID)
	do(t, s, "POST", "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", "", "application/json", "\xff\xfe")
	last := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
	assert.Equal(t, "//4=", last.BodyBase64, "a body that is not UTF-8 is kept in base64 too")
	s.Journal().Reset()
	assert.Empty(t, s.Journal().Entries(mockserver.Filter{}))
}

// TestHandlerNeverAnswersEmpty: every answer the fake builds itself,
// success or refusal, is a JSON body with an api_id and the Content-Length
// of that body; to HEAD the fake answers the same status and headers
// without the body.
func TestHandlerNeverAnswersEmpty(t *testing.T) {
	s := newServer(t, mockserver.Options{MaxBodyBytes: 256})
	member := "/v1/phlo/P1/multi_party_call/N1/members/+14152223333"
	cases := []struct {
		name, method, path, auth, ct, body string
		status                             int
	}{
		{"read", "GET", "/v1/phlo/P1", "", "", "", 200},
		{"action", "POST", member, "", "application/json", `{"action":"hold"}`, 201},
		{"invalid body", "POST", member, "", "application/json", `{"action":"dance"}`, 400},
		{"malformed body", "POST", member, "", "application/json", `{"action":`, 400},
		{"no credentials", "GET", "/v1/phlo/P1", "-", "", "", 401},
		{"no such path", "GET", "/v1/nowhere", "", "", "", 404},
		{"wrong method", "DELETE", "/v1/phlo/P1", "", "", "", 405},
		{"too large", "POST", member, "", "application/json", `{"action":"` + strings.Repeat("a", 300) + `"}`, 413},
		{"not JSON", "POST", member, "", "text/plain", "hold", 415},
	}
	serve := func(method, path, auth, ct, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if auth != "-" {
			req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := serve(c.method, c.path, c.auth, c.ct, c.body)
			require.Equalf(t, c.status, rec.Code, "body %s", rec.Body)
			var body struct {
				APIID string `json:"api_id"`
			}
			require.NoErrorf(t, json.Unmarshal(rec.Body.Bytes(), &body), "got body %q, want JSON", rec.Body)
			assert.Regexp(t, uuidRE, body.APIID)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"))
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		get := serve("GET", "/v1/phlo/P1", "", "", "")
		head := serve("HEAD", "/v1/phlo/P1", "", "", "")
		// The contract has no HEAD operation: a 405 naming GET.
		require.Equal(t, http.StatusMethodNotAllowed, head.Code)
		assert.Equal(t, "GET", head.Header().Get("Allow"))
		assert.Zero(t, head.Body.Len(), "HEAD gets no body")
		n, err := strconv.Atoi(head.Header().Get("Content-Length"))
		require.NoError(t, err, "HEAD gets the Content-Length of the body it would have had")
		assert.Positive(t, n)
		assert.Equal(t, "application/json", head.Header().Get("Content-Type"))
		assert.Equal(t, http.StatusOK, get.Code, "GET on the same path")
	})
}

// A Responder can send what the fake never builds itself, to exercise a
// client's error path: an empty body (no newline, no Content-Type) or a
// body of another Content-Type. Verbatim answers are not turned into 500s
// by ValidateResponses; others are.
func TestRawAnswers(t *testing.T) {
	const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
	tests := []struct {
		name        string
		answer      mockserver.Answer
		status      int
		contentType string
		body        string
	}{
		{"empty body", mockserver.Answer{Status: 400, Body: []byte{}, Verbatim: true}, 400, "", ""},
		{"empty body with a Content-Type", mockserver.Answer{Status: 400, Body: []byte{}, Header: http.Header{"Content-Type": {"application/json"}}, Verbatim: true}, 400, "application/json", ""},
		{"html body", mockserver.Answer{Status: 502, Body: []byte(html), Header: http.Header{"Content-Type": {"text/html"}}, Verbatim: true}, 502, "text/html", html + "\n"},
		{"broken success", mockserver.Answer{Status: 201, Body: []byte(`{"api_id":"x"}`), Verbatim: true}, 201, "application/json", `{"api_id":"x"}` + "\n"},
		{"not verbatim: checked", mockserver.Answer{Status: 400, Body: []byte{}}, 500, "application/json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, mockserver.Options{Store: mockserver.State{Responder: mockserver.ResponderFunc(func(context.Context, *mockserver.Exchange) (*mockserver.Answer, bool) {
				a := tt.answer
				return &a, true
			})}})
			req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
			req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.contentType, rec.Header().Get("Content-Type"))
			if tt.status == 500 {
				assert.Contains(t, rec.Body.String(), "breaks the contract")
				return
			}
			assert.Equal(t, tt.body, rec.Body.String())
			assert.Equal(t, strconv.Itoa(len(tt.body)), rec.Header().Get("Content-Length"))
			e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
			assert.Equal(t, strings.TrimSuffix(tt.body, "\n"), string(e.Answer), "the journal keeps the body sent")
			assert.Empty(t, e.Violations)
		})
	}
}

// The member's address in the path is checked as the body's to is: a
// phone number or a SIP endpoint; anything else is a 400 naming it.
func TestMemberAddressChecked(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	for _, tt := range []struct {
		member string
		status int
	}{
		{"+14152223333", 201}, {"14152223333", 201}, {"sip:alice123@phone.plivo.com", 201},
		{"hello", 400}, {"m", 400}, {"+1415222333344445", 400}, {"sip:nobody", 400}, {"%20", 400},
	} {
		t.Run(tt.member, func(t *testing.T) {
			r := do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1/members/"+tt.member, "", "application/json", `{"action":"hold"}`)
			require.Equalf(t, tt.status, r.status, "body %s", r.raw)
			if tt.status == 400 {
				assert.Contains(t, r.raw, "Invalid value provided for member_address.")
			}
		})
	}
}
