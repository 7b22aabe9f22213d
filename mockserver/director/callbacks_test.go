package director_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

const (
	agent    = "+14152225555"
	customer = "+14152223333"
	agent2   = "+14152224444"
)

// transferCallbacks is the transfer flow's world with the node's callbacks
// going to url, and faults (YAML list items) when given.
func transferCallbacks(url, faults string) string {
	s := fmt.Sprintf(`version: 1
name: transfer-callbacks
stateful: true
world:
  phlos:
    - id: %s
      name: Support line
      nodes:
        - id: %s
          name: Multi-Party Call_1
          members:
            - {address: "%s", role: agent}
            - {address: "%s", role: customer}
          callbacks: {url: "%s", method: POST}
`, phloID, nodeID, agent, customer, url)
	if faults != "" {
		s += "callbacks:\n  faults:\n" + faults
	}
	return s
}

// cbFake is a fake with callbacks, its API and control plane served.
type cbFake struct {
	api, admin *httptest.Server
	cb         *callbacks.Dispatcher
}

func newCallbackFake(tb testing.TB, cfg callbacks.Config, yaml string) *cbFake {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	s, err := scenarios.Parse("transfer-callbacks.yaml", []byte(yaml))
	require.NoError(tb, err)
	cb := callbacks.New(cfg)
	srv, err := fake.New(doc, fake.Config{Callbacks: cb, Active: []*scenarios.Scenario{s}})
	require.NoError(tb, err)
	f := &cbFake{api: httptest.NewServer(srv.API), admin: httptest.NewServer(srv.AdminHandler()), cb: cb}
	tb.Cleanup(func() {
		f.api.Close()
		f.admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = cb.Close(ctx)
	})
	return f
}

func (f *cbFake) do(tb testing.TB, path string, body map[string]any) int {
	tb.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", f.api.URL+path, bytes.NewReader(b))
	require.NoError(tb, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func (f *cbFake) adminDo(tb testing.TB, method, path, body string, out any) int {
	tb.Helper()
	req, err := http.NewRequest(method, f.admin.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		require.NoErrorf(tb, json.Unmarshal(raw, out), "body %q", raw)
	}
	return res.StatusCode
}

// coldTransferFlow is the conversation of a cold transfer: the agent hands
// the customer to a second agent, then both hang up.
func coldTransferFlow(tb testing.TB, f *cbFake) {
	tb.Helper()
	require.Equal(tb, 201, f.do(tb, nodePath, callBody("cold_transfer", agent2, "agent", agent)))
	require.Equal(tb, 201, f.do(tb, memberPath(customer), memberBody("hold")))   // no event
	require.Equal(tb, 201, f.do(tb, memberPath(customer), memberBody("unhold"))) // no event
	require.Equal(tb, 400, f.do(tb, memberPath(agent), memberBody("hangup")))    // refused: already gone, no event
	require.Equal(tb, 201, f.do(tb, memberPath(customer), memberBody("hangup")))
	require.Equal(tb, 201, f.do(tb, memberPath(agent2), memberBody("hangup")))
}

// TestTransferFlowCallbacks: the cold transfer's full conversation, through
// the fake's API, reaches a receiver that verifies every callback with
// plivo-go's ValidateSignatureV3, in order, with consistent ids; the
// outbound journal and verify count them.
func TestTransferFlowCallbacks(t *testing.T) {
	r := sdktest.GoReceiver(t, "-token", mockserver.DefaultAuthToken)
	f := newCallbackFake(t, callbacks.Config{}, transferCallbacks(r.URL+"/events", ""))
	coldTransferFlow(t, f)
	want := []string{"Redirect " + agent, "ConferenceEnter " + agent2, "ConferenceExit " + agent,
		"ConferenceExit " + customer, "ConferenceExit " + agent2, "Completed "}
	var got []string
	uuids := map[string]string{}
	members := map[string]string{}
	var conf string
	for range want {
		c := r.Next(t)
		assert.True(t, c.Valid, "plivo-go refused the signature of %v", c.Vars)
		assert.Equal(t, "/events", c.Path)
		assert.Equal(t, "application/x-www-form-urlencoded", c.ContentType)
		got = append(got, c.Vars["event"]+" "+c.Vars["to"])
		if conf == "" {
			conf = c.Vars["conference_uuid"]
		}
		assert.Equal(t, conf, c.Vars["conference_uuid"])
		assert.Equal(t, "Multi-Party Call_1", c.Vars["conference_name"])
		if to := c.Vars["to"]; to != "" {
			if u, ok := uuids[to]; ok {
				assert.Equal(t, u, c.Vars["call_uuid"], "call_uuid of %s", to)
				assert.Equal(t, members[to], c.Vars["member_id"], "member_id of %s", to)
			}
			uuids[to], members[to] = c.Vars["call_uuid"], c.Vars["member_id"]
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, uuids, 3)
	assert.Equal(t, map[string]string{agent: "1", customer: "2", agent2: "3"}, members)

	require.Eventually(t, func() bool { return f.cb.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
	var page director.CallbacksPage
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks?event=ConferenceExit", "", &page))
	require.Len(t, page.Attempts, 3)
	for _, a := range page.Attempts {
		assert.Equal(t, 200, a.Status)
		assert.Equal(t, callbacks.Delivered, a.Outcome)
		assert.NotEmpty(t, a.Header[callbacks.HeaderSignature])
		assert.NotEmpty(t, a.Header[callbacks.HeaderNonce])
		assert.Contains(t, a.Body, "event=ConferenceExit")
	}
	assert.Equal(t, []uint64{1, 4, 5}, []uint64{page.Attempts[0].Seq, page.Attempts[1].Seq, page.Attempts[2].Seq}, "the call's sequence numbers")
	var v director.VerifyResult
	assert.Equal(t, 200, f.adminDo(t, "POST", "/__admin/callbacks/verify", `{"member":"`+customer+`","status":200,"expect":1}`, &v))
	assert.Equal(t, 1, v.Count)
	assert.Equal(t, 417, f.adminDo(t, "POST", "/__admin/callbacks/verify", `{"event":"ConferenceEnter","expect":2}`, &v))
	assert.Equal(t, 1, v.Count)
	assert.Equal(t, 200, f.adminDo(t, "POST", "/__admin/callbacks/verify", `{"url":"`+r.URL+`/*","expect":6}`, &v))
}

// TestCallbackFaultsFromScenario: faults written in the scenario file reach
// the receiver: a dropped exit, a duplicated enter, a bad signature.
func TestCallbackFaultsFromScenario(t *testing.T) {
	r := sdktest.GoReceiver(t, "-token", mockserver.DefaultAuthToken)
	f := newCallbackFake(t, callbacks.Config{}, transferCallbacks(r.URL+"/events",
		"    - {event: ConferenceEnter, duplicate: 1}\n    - {nth: 3, drop: true}\n    - {event: Completed, bad_signature: true}\n"))
	coldTransferFlow(t, f)
	var got []string
	for range 6 {
		c := r.Next(t)
		got = append(got, fmt.Sprintf("%s %s %v", c.Vars["event"], c.Vars["to"], c.Valid))
	}
	assert.Equal(t, []string{
		"Redirect " + agent + " true", "ConferenceEnter " + agent2 + " true", "ConferenceEnter " + agent2 + " true",
		// the 3rd callback, the agent's exit, is dropped
		"ConferenceExit " + customer + " true", "ConferenceExit " + agent2 + " true", "Completed  false",
	}, got)
	require.Eventually(t, func() bool { return f.cb.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
	var v director.VerifyResult
	assert.Equal(t, 200, f.adminDo(t, "POST", "/__admin/callbacks/verify", `{"outcome":"dropped","member":"`+agent+`","expect":1}`, &v))
}

// TestCallbackTargetsAtRunTime: the control plane changes where a node's
// callbacks go, refuses a bad target whole, and goes back to the world's.
func TestCallbackTargetsAtRunTime(t *testing.T) {
	r := sdktest.GoReceiver(t, "-token", mockserver.DefaultAuthToken)
	f := newCallbackFake(t, callbacks.Config{}, transferCallbacks("http://127.0.0.1:1/nowhere", ""))
	path := "/__admin/callbacks/targets/" + phloID + "/" + nodeID
	var e map[string]any
	assert.Equal(t, 400, f.adminDo(t, "PUT", path, `{"targets":[{"url":"`+r.URL+`/ok"},{"url":"ftp://x"}]}`, &e))
	assert.Contains(t, e["error"], `url "ftp://x": want an http:// or https:// URL`)
	assert.Equal(t, 400, f.adminDo(t, "PUT", path, `{"targts":[]}`, &e))
	assert.Equal(t, 400, f.adminDo(t, "GET", "/__admin/callbacks?event=Enter", "", &e))
	assert.Contains(t, e["error"], `"Enter" is not an event`)
	var set director.NodeTargets
	require.Equal(t, 200, f.adminDo(t, "PUT", path, `{"targets":[{"url":"`+r.URL+`/runtime","method":"GET"}]}`, &set))
	require.Equal(t, 201, f.do(t, memberPath(customer), memberBody("hangup")))
	c := r.Next(t)
	assert.True(t, c.Valid)
	assert.Equal(t, "GET", c.Method)
	assert.Equal(t, "/runtime", c.Path)
	assert.Equal(t, "ConferenceExit", c.Vars["event"])
	var list map[string][]director.NodeTargets
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks/targets", "", &list))
	require.Len(t, list["nodes"], 1)
	assert.Equal(t, "control-plane", list["nodes"][0].Source)
	require.Equal(t, 204, f.adminDo(t, "DELETE", path, "", nil))
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks/targets", "", &list))
	assert.Equal(t, "world", list["nodes"][0].Source)
	assert.Equal(t, "http://127.0.0.1:1/nowhere", list["nodes"][0].Targets[0].URL)

}

// TestCallbacksPerSession: a session's callbacks go to the targets set in
// that session, signed with the session's own token (which plivo-go
// checks), journaled and counted in that session only.
func TestCallbacksPerSession(t *testing.T) {
	def := sdktest.GoReceiver(t, "-token", mockserver.DefaultAuthToken)
	f := newCallbackFake(t, callbacks.Config{}, transferCallbacks(def.URL+"/default", ""))
	var s director.SessionInfo
	require.Equal(t, 201, f.adminDo(t, "POST", "/__admin/sessions", `{"scenarios":["transfer-flow"]}`, &s))
	mine := sdktest.GoReceiver(t, "-token", s.AuthToken)
	var set director.NodeTargets
	require.Equal(t, 200, f.adminDo(t, "PUT", "/__admin/callbacks/targets/"+phloID+"/"+nodeID+"?session="+s.ID,
		`{"targets":[{"url":"`+mine.URL+`/session"}]}`, &set))

	b, _ := json.Marshal(memberBody("hangup"))
	req, err := http.NewRequest("POST", f.api.URL+memberPath(customer), bytes.NewReader(b))
	require.NoError(t, err)
	req.SetBasicAuth(s.AuthID, s.AuthToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 201, res.StatusCode)

	c := mine.Next(t)
	assert.True(t, c.Valid, "plivo-go refused the session's callback signed with the session's token")
	assert.Equal(t, "/session", c.Path)
	assert.Equal(t, "ConferenceExit", c.Vars["event"])
	require.Eventually(t, func() bool { return f.cb.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
	var page director.CallbacksPage
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks?session="+s.ID, "", &page))
	require.Len(t, page.Attempts, 1)
	assert.Equal(t, s.ID, page.Attempts[0].Session)
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks", "", &page))
	assert.Empty(t, page.Attempts, "the default session sees none of the session's callbacks")
	var list map[string][]director.NodeTargets
	require.Equal(t, 200, f.adminDo(t, "GET", "/__admin/callbacks/targets", "", &list))
	assert.Equal(t, "world", list["nodes"][0].Source, "the session's target is not the default session's")

	require.Equal(t, 204, f.adminDo(t, "DELETE", "/__admin/sessions/"+s.ID, "", nil))
	_, has := f.cb.Targets(s.ID, phloID, nodeID)
	assert.False(t, has, "an ended session's targets are forgotten")
	assert.Zero(t, f.cb.Count(callbacks.Filter{Session: s.ID}), "and its journal")
}
