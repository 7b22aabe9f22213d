package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAuthID    = "MAPHLOMOCKDEFAULT001"
	testAuthToken = "phlomock-default-auth-token"
)

// received is one request as the server saw it.
type received struct {
	method, path, requestURI string
	header                   http.Header
	body                     []byte
	hasBody                  bool
}

// recorder is an httptest server that journals requests and answers each
// with status and body.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
}

func newRecorder(tb testing.TB, status int, header map[string]string, body string) *recorder {
	tb.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.requests = append(rec.requests, received{
			method: r.Method, path: r.URL.Path, requestURI: r.RequestURI,
			header: r.Header.Clone(), body: data, hasBody: r.ContentLength != 0,
		})
		rec.mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	tb.Cleanup(rec.Close)
	return rec
}

func (r *recorder) last(tb testing.TB) received {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(tb, r.requests, "the server got no request")
	return r.requests[len(r.requests)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

const (
	runBody    = `{"api_id":"a4","phlo_id":"P1","phlo_run_id":"a4","message":"started"}`
	phloBody   = `{"api_id":"a1","phlo_id":"P1","name":"n","created_on":"2020-08-01 09:05:11.846982+00:00"}`
	nodeBody   = `{"api_id":"a2","node_id":"N1","phlo_id":"P1","name":"Multi-Party Call_1","node_type":"multi_party_call","created_on":"x"}`
	actionBody = `{"api_id":"a3","error":""}`
)

// TestRoundTrip calls every method and checks what the server received
// against the operations table and the wire format, and what came back.
func TestRoundTrip(t *testing.T) {
	cold := CallParams{To: "+14152225555", Role: RoleAgent, TriggerSource: "+14152223333"}
	tests := []struct {
		name     string
		op       *operation
		status   int
		answer   string
		call     func(ctx context.Context, c *Client) (any, error)
		wantURI  string
		wantBody string // "" when no body must be sent
		want     any
	}{
		{
			name: "run with payload", op: opRunPHLO, status: 201, answer: runBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RunPHLO(ctx, "P1", map[string]string{"from": "+1", "to": "+2"})
			},
			wantURI: "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", wantBody: `{"from":"+1","to":"+2"}`,
			want: &RunResult{APIID: "a4", PHLOID: "P1", PHLORunID: "a4", Message: "started"},
		},
		{
			name: "run without payload", op: opRunPHLO, status: 201, answer: runBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.RunPHLO(ctx, "P1", nil) },
			wantURI: "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1",
			want:    &RunResult{APIID: "a4", PHLOID: "P1", PHLORunID: "a4", Message: "started"},
		},
		{
			name: "get PHLO", op: opGetPHLO, status: 200, answer: phloBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetPHLO(ctx, "P1") },
			wantURI: "/v1/phlo/P1",
			want:    &PHLO{APIID: "a1", PHLOID: "P1", Name: "n", CreatedOn: "2020-08-01 09:05:11.846982+00:00"},
		},
		{
			name: "get node", op: opGetNode, status: 200, answer: nodeBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetNode(ctx, "P1", "N1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1",
			want:    &Node{APIID: "a2", NodeID: "N1", PHLOID: "P1", Name: "Multi-Party Call_1", NodeType: "multi_party_call", CreatedOn: "x"},
		},
		{
			name: "call", op: opCall, status: 201, answer: actionBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Call(ctx, "P1", "N1", CallParams{To: "sip:bob@phone.plivo.com", Role: RoleCustomer, TriggerSource: "+2"})
			},
			wantURI:  "/v1/phlo/P1/multi_party_call/N1",
			wantBody: `{"action":"call","to":"sip:bob@phone.plivo.com","role":"customer","trigger_source":"+2"}`,
			want:     &ActionResult{APIID: "a3"},
		},
		{
			name: "warm transfer without role sends the default", op: opWarmTransfer, status: 201, answer: actionBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.WarmTransfer(ctx, "P1", "N1", CallParams{To: "+3", TriggerSource: "+2"})
			},
			wantURI:  "/v1/phlo/P1/multi_party_call/N1",
			wantBody: `{"action":"warm_transfer","to":"+3","role":"agent","trigger_source":"+2"}`,
			want:     &ActionResult{APIID: "a3"},
		},
		{
			name: "cold transfer answered 200", op: opColdTransfer, status: 200, answer: actionBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ColdTransfer(ctx, "P1", "N1", cold)
			},
			wantURI:  "/v1/phlo/P1/multi_party_call/N1",
			wantBody: `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`,
			want:     &ActionResult{APIID: "a3"},
		},
		{
			name: "abort transfer on a phone number", op: opAbortTransfer, status: 201, answer: actionBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AbortTransfer(ctx, "P1", "N1", "+14152223333")
			},
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", wantBody: `{"action":"abort_transfer"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "hold a SIP endpoint", op: opHold, status: 201, answer: actionBody,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Hold(ctx, "P1", "N1", "sip:alice123@phone.plivo.com")
			},
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com", wantBody: `{"action":"hold"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "unhold", op: opUnhold, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Unhold(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"unhold"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "hangup", op: opHangup, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Hangup(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"hangup"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "resume call", op: opResumeCall, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ResumeCall(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"resume_call"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "voicemail drop", op: opVoicemailDrop, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.VoicemailDrop(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"voicemail_drop"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "mute", op: opMute, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Mute(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"mute"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "unmute", op: opUnmute, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.Unmute(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/multi_party_call/N1/members/+1", wantBody: `{"action":"unmute"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "get a conference bridge", op: opGetConferenceBridge, status: 200,
			answer:  `{"api_id":"a2","node_id":"N1","phlo_id":"P1","name":"Conference Bridge_1","node_type":"conference_bridge","created_on":"c"}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetConferenceBridge(ctx, "P1", "N1") },
			wantURI: "/v1/phlo/P1/conference_bridge/N1",
			want:    &Node{APIID: "a2", NodeID: "N1", PHLOID: "P1", Name: "Conference Bridge_1", NodeType: "conference_bridge", CreatedOn: "c"},
		},
		{
			name: "conference mute", op: opConferenceMute, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ConferenceMute(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/conference_bridge/N1/members/+1", wantBody: `{"action":"mute"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "conference unmute", op: opConferenceUnmute, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ConferenceUnmute(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/conference_bridge/N1/members/+1", wantBody: `{"action":"unmute"}`,
			want: &ActionResult{APIID: "a3"},
		},
		{
			name: "conference hangup", op: opConferenceHangup, status: 201, answer: actionBody,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.ConferenceHangup(ctx, "P1", "N1", "+1") },
			wantURI: "/v1/phlo/P1/conference_bridge/N1/members/+1", wantBody: `{"action":"hangup"}`,
			want: &ActionResult{APIID: "a3"},
		},
	}
	covered := map[*operation]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			covered[tt.op] = true
			srv := newRecorder(t, tt.status, map[string]string{"Content-Type": "application/json"}, tt.answer)
			c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL+"/"), WithHTTPClient(srv.Client()))

			got, err := tt.call(t.Context(), c)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			r := srv.last(t)
			assert.Equal(t, tt.op.method, r.method)
			assert.Equal(t, tt.wantURI, r.requestURI, "raw path and query")
			assert.Equal(t, tt.wantURI, r.path, "decoded path")
			assert.Equal(t, tt.wantURI, mustExpandLike(t, tt.op.path, r.path), "path does not follow the operation's template")
			user, pass, ok := basicAuth(r.header)
			assert.True(t, ok, "no basic auth")
			assert.Equal(t, testAuthID, user)
			assert.Equal(t, testAuthToken, pass)
			assert.Equal(t, "phlomock-go/"+Version, r.header.Get("User-Agent"))
			assert.Equal(t, "application/json", r.header.Get("Accept"))
			if tt.wantBody == "" {
				assert.False(t, r.hasBody, "got body %q, want none", r.body)
				assert.Empty(t, r.header.Get("Content-Type"), "Content-Type without a body")
				return
			}
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.JSONEq(t, tt.wantBody, string(r.body))
			if tt.op.action != "" {
				var b struct{ Action string }
				require.NoError(t, json.Unmarshal(r.body, &b))
				assert.Equal(t, tt.op.action, b.Action, "action")
			}
		})
	}
	for _, op := range operations {
		assert.True(t, covered[op], "no round trip for %s", op.name)
	}
}

// mustExpandLike checks that path has the template's literal segments and
// as many segments, returning path when it does.
func mustExpandLike(tb testing.TB, template, path string) string {
	tb.Helper()
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return "template " + template
	}
	for i := range ts {
		if !strings.HasPrefix(ts[i], "{") && ts[i] != ps[i] {
			return "template " + template
		}
	}
	return path
}

func basicAuth(h http.Header) (string, string, bool) {
	r := &http.Request{Header: h}
	return r.BasicAuth()
}

func TestPathEscaping(t *testing.T) {
	tests := []struct {
		address, wantURI, wantPath string
	}{
		{"+14152223333", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333", "/v1/phlo/P1/multi_party_call/N1/members/+14152223333"},
		{"sip:alice123@phone.plivo.com", "/v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com", "/v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com"},
		{"a/b?c#d%e f", "/v1/phlo/P1/multi_party_call/N1/members/a%2Fb%3Fc%23d%25e%20f", "/v1/phlo/P1/multi_party_call/N1/members/a/b?c#d%e f"},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			srv := newRecorder(t, 201, nil, actionBody)
			c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
			_, err := c.Hold(t.Context(), "P1", "N1", tt.address)
			require.NoError(t, err)
			r := srv.last(t)
			assert.Equal(t, tt.wantURI, r.requestURI)
			assert.Equal(t, tt.wantPath, r.path)
		})
	}
}

func TestEmptyPathParameter(t *testing.T) {
	srv := newRecorder(t, 201, nil, actionBody)
	c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
	_, err := c.Hold(t.Context(), "P1", "N1", "")
	require.ErrorIs(t, err, ErrEmptyParameter)
	assert.Contains(t, err.Error(), "member_address")
	assert.Zero(t, srv.count(), "a request was sent")
}

func TestDefaults(t *testing.T) {
	c := New("MA", "tok")
	assert.Equal(t, DefaultBaseURL, c.baseURL)
	assert.Same(t, http.DefaultClient, c.httpClient)
	assert.Equal(t, 1, c.maxAttempts, "retry must be off by default")
	c = New("MA", "tok", WithHTTPClient(nil), WithUserAgent("app/1"), WithRetry(0))
	assert.Same(t, http.DefaultClient, c.httpClient)
	assert.Equal(t, "app/1", c.userAgent)
	assert.Equal(t, 1, c.maxAttempts)
}

// NodeAction and MemberAction, the actions by their action value, send
// exactly what the named methods send, and refuse any other action before
// sending anything.
func TestActionByName(t *testing.T) {
	srv := newRecorder(t, 201, nil, actionBody)
	c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
	p := CallParams{To: "+14152223333", TriggerSource: "+14151112222"}
	sent := func(call func() (*ActionResult, error)) received {
		t.Helper()
		res, err := call()
		require.NoError(t, err)
		assert.Equal(t, "a3", res.APIID)
		return srv.last(t)
	}
	for _, op := range operations {
		if op.action == "" || op.operationID == "updateConferenceMember" {
			continue
		}
		t.Run(op.name, func(t *testing.T) {
			var byName, named received
			if op.operationID == opCall.operationID {
				byName = sent(func() (*ActionResult, error) { return c.NodeAction(t.Context(), "P1", "N1", op.action, p) })
				named = sent(func() (*ActionResult, error) { return c.sendNodeAction(t.Context(), op, "P1", "N1", p) })
			} else {
				byName = sent(func() (*ActionResult, error) { return c.MemberAction(t.Context(), "P1", "N1", "+1415", op.action) })
				named = sent(func() (*ActionResult, error) { return c.sendMemberAction(t.Context(), op, "P1", "N1", "+1415") })
			}
			assert.Equal(t, named.requestURI, byName.requestURI)
			assert.JSONEq(t, string(named.body), string(byName.body))
			assert.Contains(t, string(byName.body), `"action":"`+op.action+`"`)
		})
	}
	before := srv.count()
	for _, bad := range []func() (*ActionResult, error){
		func() (*ActionResult, error) { return c.NodeAction(t.Context(), "P1", "N1", "hold", p) },
		func() (*ActionResult, error) { return c.NodeAction(t.Context(), "P1", "N1", "", p) },
		func() (*ActionResult, error) { return c.MemberAction(t.Context(), "P1", "N1", "+1", "cold_transfer") },
		func() (*ActionResult, error) { return c.MemberAction(t.Context(), "P1", "N1", "+1", "teleport") },
	} {
		_, err := bad()
		require.ErrorIs(t, err, ErrUnknownAction)
	}
	assert.Equal(t, before, srv.count(), "a refused action was sent")
}
