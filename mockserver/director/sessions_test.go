package director_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/sessiontest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
)

// sessionFake is a fake with sessions, its API and control plane served.
type sessionFake struct {
	*fake.Fake
	api, admin string
}

func newSessionFake(tb testing.TB, opts director.SessionOptions) *sessionFake {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	f, err := fake.New(doc, fake.Config{Sessions: opts})
	require.NoError(tb, err)
	return serveSessions(tb, f)
}

// serveSessions serves f's API and control plane until tb ends.
func serveSessions(tb testing.TB, f *fake.Fake) *sessionFake {
	tb.Helper()
	api, admin := httptest.NewServer(f.Handler()), httptest.NewServer(f.AdminHandler())
	tb.Cleanup(func() {
		api.Close()
		admin.Close()
		_ = f.Close(context.Background())
	})
	return &sessionFake{Fake: f, api: api.URL, admin: admin.URL}
}

// create makes a session over the control plane and returns its answer.
func (f *sessionFake) create(tb testing.TB, body string) answer {
	tb.Helper()
	a := do(tb, f.admin, "POST", "/__admin/sessions", body)
	require.Equal(tb, 201, a.status, a.raw)
	return a
}

func basicOf(id, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+token))
}

// TestSessionsAnswerAsSeparateFakes: 16 tests at once on one fake, each in
// its own session (by its account, by the header, by ?session=), each
// running the transfer flow, a scenario of its own (same name, other rules)
// and verify, answer as 16 separate fakes answer the same tests.
func TestSessionsAnswerAsSeparateFakes(t *testing.T) {
	const n = 16
	want := make([][]string, n)
	for i := range n {
		f := newSessionFake(t, director.SessionOptions{})
		want[i] = sessiontest.Flow(t, sessiontest.Target{API: f.api, Admin: f.admin, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken}, i)
	}
	require.Contains(t, want[1][2], "429", "the own scenario answered")
	t.Logf("test 1's answers:\n%s", strings.Join(want[1], "\n"))
	require.NotEqual(t, want[0], want[1], "each test's answers are its own")

	shared := newSessionFake(t, director.SessionOptions{})
	got := make([][]string, n)
	var targets []sessiontest.Target
	for i := range n {
		s := shared.create(t, `{"ttl":"1m"}`)
		id, authID, token := s.body["id"].(string), s.body["auth_id"].(string), s.body["auth_token"].(string)
		target := sessionstarget(shared, i, id, authID, token)
		targets = append(targets, target)
	}
	t.Run("parallel", func(t *testing.T) {
		for i, target := range targets {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				got[i] = sessiontest.Flow(t, target, i)
			})
		}
	})
	for i := range n {
		assert.Equal(t, want[i], got[i], "session %d", i)
	}
	// The default session saw none of it.
	assert.Empty(t, shared.Director.Active())
	assert.Empty(t, shared.Journal().Entries(mockserver.Filter{}))
	assert.Equal(t, n, shared.Sessions.Live())
}

// sessionstarget reaches session id in one of three ways: its account (the
// control plane by ?session=), the header with the default account, or its
// account and the header.
func sessionstarget(f *sessionFake, i int, id, authID, token string) sessiontest.Target {
	t := sessiontest.Target{API: f.api, Admin: f.admin}
	switch i % 3 {
	case 0:
		t.AuthID, t.AuthToken, t.QuerySession = authID, token, id
	case 1:
		t.AuthID, t.AuthToken, t.Session = mockserver.DefaultAuthID, mockserver.DefaultAuthToken, id
	default:
		t.AuthID, t.AuthToken, t.Session = authID, token, id
	}
	return t
}

// TestSessionCreate: the answer, the account's format, and the bad bodies.
func TestSessionCreate(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{})
	a := f.create(t, "")
	assert.Regexp(t, `^MA[A-Z0-9]{18}$`, a.body["auth_id"])
	assert.Regexp(t, `^[A-Z0-9]{16}$`, a.body["id"])
	assert.Len(t, a.body["auth_token"], 40)
	assert.Equal(t, "10m0s", a.body["ttl"])
	assert.Equal(t, 600.0, a.body["ttl_seconds"])
	assert.Equal(t, "/__admin/sessions/"+a.body["id"].(string), a.header.Get("Location"))
	assert.Equal(t, "1m30s", f.create(t, `{"ttl":90}`).body["ttl"], "a number is seconds")
	b := f.create(t, `{"ttl":"2m","scenarios":["transfer-flow"]}`)
	assert.Equal(t, []any{"transfer-flow"}, b.body["active"])

	for _, tt := range []struct{ body, want string }{
		{`{"ttl":"0s"}`, `Invalid value provided for ttl. ttl expects a duration ("10m", "90s") or a number of seconds, from 1s to 24h.`},
		{`{"ttl":"25h"}`, `Invalid value provided for ttl. ttl expects a duration ("10m", "90s") or a number of seconds, from 1s to 24h.`},
		{`{"ttl":true}`, `Invalid value provided for ttl. ttl expects a duration ("10m", "90s") or a number of seconds, from 1s to 24h.`},
		{`{"tll":"1m"}`, `Invalid JSON body: unknown field "tll" (did you mean "ttl"?): want ttl, scenarios.`},
		{`{"scenarios":["nope"]}`, `unknown scenario "nope": want a loaded scenario or one of `},
		{`{"scenarios":["bad_role"]}`, `unknown-phlo (did you mean "bad-role"?)`},
	} {
		got := do(t, f.admin, "POST", "/__admin/sessions", tt.body)
		assert.Equal(t, 400, got.status, "%s: %s", tt.body, got.raw)
		assert.Contains(t, got.body["error"], tt.want, tt.body)
	}
	assert.Equal(t, 3, f.Sessions.Live(), "a refused body creates nothing")
}

// TestSessionsIsolateEveryRoute: each control plane route that acts on a
// session, asked in session A, changes and shows nothing of B's or of the
// default session's; asked for a session that is not live, it answers 400
// naming it, never the default session's answer.
func TestSessionsIsolateEveryRoute(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{})
	a, b := f.create(t, ""), f.create(t, "")
	aq, bq := "session="+a.body["id"].(string), "session="+b.body["id"].(string)
	aAuth := basicOf(a.body["auth_id"].(string), a.body["auth_token"].(string))
	node := "/v1/phlo/" + sessiontest.PhloID + "/multi_party_call/" + sessiontest.NodeID
	call := "/__admin/calls/" + sessiontest.PhloID + "/" + sessiontest.NodeID
	hold := `{"action":"hold"}`

	// A: an upload, transfer-flow active, an action on its call, a request
	// journaled.
	require.Equal(t, 201, do(t, f.admin, "POST", "/__admin/scenarios?file=mine.yaml&activate=false&"+aq, "version: 1\nname: mine\n").status)
	require.Equal(t, 200, do(t, f.admin, "PUT", "/__admin/scenarios/active?"+aq, `{"names":["transfer-flow","mine"]}`).status)
	require.Equal(t, 201, do(t, f.api, "POST", node+"/members/+14152223333", hold, "Authorization", aAuth, "Content-Type", "application/json").status)

	for _, q := range []string{bq, ""} { // B, then the default session
		sep := "?" + q
		amp := "&" + q
		if q == "" {
			sep, amp = "", ""
		}
		ls := do(t, f.admin, "GET", "/__admin/scenarios"+sep, "")
		assert.Empty(t, ls.body["active"], q)
		assert.NotContains(t, ls.raw, "mine", q)
		errorIs(t, do(t, f.admin, "DELETE", "/__admin/scenarios/mine"+sep, ""), 404, `Unknown scenario "mine": the uploaded scenarios are none.`)
		assert.Equal(t, false, do(t, f.admin, "GET", "/__admin/calls"+sep, "").body["stateful"], q)
		assert.Equal(t, 404, do(t, f.admin, "GET", call+sep, "").status, q)
		assert.Equal(t, 404, do(t, f.admin, "GET", call+"/history"+sep, "").status, q)
		assert.Equal(t, []any{}, do(t, f.admin, "GET", "/__admin/journal?limit=10"+amp, "").body["entries"], q)
		assert.Equal(t, 0.0, do(t, f.admin, "POST", "/__admin/verify"+sep, `{"operation":"updateMember"}`).body["count"], q)
		// Changes there leave A as it is.
		assert.Equal(t, 200, do(t, f.admin, "POST", "/__admin/reset"+sep, "").status)
		assert.Equal(t, 204, do(t, f.admin, "DELETE", "/__admin/journal"+sep, "").status)
		require.Equal(t, 200, do(t, f.admin, "PUT", "/__admin/scenarios/active"+sep, `{"names":["transfer-flow"]}`).status)
		got := do(t, f.admin, "GET", call+sep, "")
		assert.Equal(t, 0.0, got.body["seq"], "%s: its own call, at its world: %s", q, got.raw)
	}
	// A kept everything.
	assert.Equal(t, []any{"transfer-flow", "mine"}, do(t, f.admin, "GET", "/__admin/scenarios?"+aq, "").body["active"])
	assert.Equal(t, 1.0, do(t, f.admin, "GET", call+"?"+aq, "").body["seq"])
	assert.Len(t, do(t, f.admin, "GET", "/__admin/journal?"+aq, "").body["entries"], 1)
	assert.Equal(t, 1.0, do(t, f.admin, "POST", "/__admin/verify?"+aq, `{"operation":"updateMember"}`).body["count"])
	h := do(t, f.admin, "GET", call+"/history", "", "X-Phlomock-Session", a.body["id"].(string))
	assert.Len(t, h.body["steps"], 2, "the header selects A too: %s", h.raw)

	// A's account is not B's: with B's header it is refused.
	r := do(t, f.api, "POST", node+"/members/+14152223333", hold, "Authorization", aAuth, "Content-Type", "application/json", "X-Phlomock-Session", b.body["id"].(string))
	assert.Equal(t, 401, r.status, r.raw)

	// Every scoped route, for a session that is not live.
	for _, rt := range []struct{ method, path string }{
		{"GET", "/__admin/journal"}, {"DELETE", "/__admin/journal"}, {"GET", "/__admin/scenarios"},
		{"PUT", "/__admin/scenarios/active"}, {"POST", "/__admin/scenarios"}, {"DELETE", "/__admin/scenarios/mine"},
		{"POST", "/__admin/reset"}, {"GET", "/__admin/calls"}, {"GET", call}, {"GET", call + "/history"}, {"POST", "/__admin/verify"},
	} {
		got := do(t, f.admin, rt.method, rt.path+"?session=NOPE", `{}`)
		assert.Equal(t, 400, got.status, "%s %s: %s", rt.method, rt.path, got.raw)
		assert.Contains(t, got.body["error"], `Unknown session "NOPE": no session has this id (2 live)`, "%s %s", rt.method, rt.path)
	}
	errorIs(t, do(t, f.admin, "GET", "/__admin/calls?session="+a.body["id"].(string), "", "X-Phlomock-Session", "OTHER"), 400,
		"Two sessions named: ?session="+a.body["id"].(string)+" and the header X-Phlomock-Session: OTHER; name one.")
}

// TestSessionEnds: DELETE, and a TTL with no request, end a session; its
// account and id are then refused, naming why, on the API and the control
// plane, never answered by the default session.
func TestSessionEnds(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	f := newSessionFake(t, director.SessionOptions{Now: func() time.Time { return time.Unix(now.Load(), 0) }})
	s := f.create(t, `{"ttl":"3s"}`)
	id, auth := s.body["id"].(string), basicOf(s.body["auth_id"].(string), s.body["auth_token"].(string))
	get := func() answer { return do(t, f.api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", auth) }

	for range 3 { // a request each 2s keeps it live past its TTL
		now.Add(2)
		f.Sessions.Sweep()
		require.Equal(t, 200, get().status)
	}
	now.Add(3)
	f.Sessions.Sweep()
	r := get()
	assert.Equal(t, 401, r.status)
	assert.Equal(t, "Authentication failed: the Auth ID "+s.body["auth_id"].(string)+" is the account of session "+id+", which is not live: unknown session \""+id+"\": it ended (no request for its ttl of 3s); create another with POST /__admin/sessions.", r.body["error"])
	r = do(t, f.api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", basic(), "X-Phlomock-Session", id)
	errorIs(t, r, 400, `Unknown session "`+id+`": it ended (no request for its ttl of 3s); create another with POST /__admin/sessions (header X-Phlomock-Session).`)
	errorIs(t, do(t, f.admin, "GET", "/__admin/sessions/"+id, ""), 404, `Unknown session "`+id+`": it ended (no request for its ttl of 3s); create another with POST /__admin/sessions.`)
	assert.Equal(t, 0, f.Sessions.Live())
	// The refusals are in the default session's journal, as refusals.
	for _, e := range f.Journal().Entries(mockserver.Filter{}) {
		assert.Contains(t, []int{400, 401}, e.Status)
	}

	d := f.create(t, "")
	assert.Equal(t, 204, do(t, f.admin, "DELETE", "/__admin/sessions/"+d.body["id"].(string), "").status)
	errorIs(t, do(t, f.admin, "DELETE", "/__admin/sessions/"+d.body["id"].(string), ""), 404, `Unknown session "`+d.body["id"].(string)+`": it ended (deleted); create another with POST /__admin/sessions.`)
	errorIs(t, do(t, f.admin, "GET", "/__admin/journal?session="+d.body["id"].(string), ""), 400, `Unknown session "`+d.body["id"].(string)+`": it ended (deleted); create another with POST /__admin/sessions.`)
}

// TestSessionTTLInRealTime: the sweep runs by itself.
func TestSessionTTLInRealTime(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{})
	id := f.create(t, `{"ttl":"1s"}`).body["id"].(string)
	require.Eventually(t, func() bool { return do(t, f.admin, "GET", "/__admin/sessions/"+id, "").status == 404 }, 10*time.Second, 50*time.Millisecond)
}

// TestSessionBounds: live sessions and each session's journal are bounded.
func TestSessionBounds(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{Max: 2, JournalSize: 3})
	a := f.create(t, "")
	f.create(t, "")
	errorIs(t, do(t, f.admin, "POST", "/__admin/sessions", ""), 429, "Too many sessions: 2 sessions are live, the bound (--max-sessions 2): end one (DELETE /__admin/sessions/ID) or let one expire.")
	auth := basicOf(a.body["auth_id"].(string), a.body["auth_token"].(string))
	for range 5 {
		require.Equal(t, 200, do(t, f.api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", auth).status)
	}
	page := do(t, f.admin, "GET", "/__admin/journal?session="+a.body["id"].(string), "")
	assert.Len(t, page.body["entries"], 3, "the session's journal keeps 3")
	list := do(t, f.admin, "GET", "/__admin/sessions?limit=1", "")
	assert.Equal(t, 2.0, list.body["live"])
	assert.Equal(t, 2.0, list.body["max"])
	assert.Equal(t, true, list.body["more"])
	assert.Len(t, list.body["sessions"], 1)
	assert.NotContains(t, list.raw, a.body["auth_token"], "a listing shows no token")
	require.Equal(t, 204, do(t, f.admin, "DELETE", "/__admin/sessions/"+a.body["id"].(string), "").status)
	f.create(t, "")
	assert.Equal(t, 400, do(t, f.admin, "GET", "/__admin/sessions?limit=0", "").status)
}

// TestSessionAccount: a session's Director says its account; the default's
// has none.
func TestSessionAccount(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{})
	s, err := f.Sessions.Create(director.CreateOptions{})
	require.NoError(t, err)
	id, token, session, ok := s.Director().Account()
	assert.True(t, ok)
	assert.Equal(t, []string{s.AuthID, s.AuthToken, s.ID}, []string{id, token, session})
	id2, token2, ok := f.Sessions.Account(s.ID)
	assert.True(t, ok)
	assert.Equal(t, []string{s.AuthID, s.AuthToken}, []string{id2, token2})
	_, _, _, ok = f.Director.Account()
	assert.False(t, ok)
}
