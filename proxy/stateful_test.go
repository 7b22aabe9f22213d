package proxy_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/proxy"
	"github.com/phlomock/phlomock/scenarios"
)

const (
	flowPhlo   = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	flowNode   = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	flowNodeP  = "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode
	flowAgent  = "+14152225555"
	flowClient = "+14152223333"
)

// flow is a conversation whose later steps the transfer-flow model only
// allows after the earlier ones: the second agent can be put on hold only
// once the warm transfer brought them on the call.
var flow = []struct{ path, body string }{
	{flowNodeP, `{"action":"warm_transfer","to":"+14152224444","role":"agent","trigger_source":"` + flowAgent + `"}`},
	{flowNodeP + "/members/" + flowAgent, `{"action":"hangup"}`}, // completes the transfer
	{flowNodeP + "/members/+14152224444", `{"action":"hold"}`},
	{flowNodeP + "/members/+14152224444", `{"action":"unhold"}`},
}

// statefulFront is a proxy whose fake has transfer-flow active, in front
// of a phlomock with transfer-flow too (the stand-in real API, whose call
// moves: it is the target).
func statefulFront(t *testing.T, stateful bool) (*front, *director.Director) {
	t.Helper()
	target := faketest.NewServer(t, fake.Config{}, "transfer-flow")
	s, err := scenarios.Builtin("transfer-flow")
	require.NoError(t, err)
	local, err := fake.New(mustSpec(t), fake.Config{Active: []*scenarios.Scenario{s}})
	require.NoError(t, err)
	u, err := url.Parse(target.URL)
	require.NoError(t, err)
	p, err := proxy.New(proxy.Options{Target: u, Fake: local.API, Spec: mustSpec(t), Stateful: stateful,
		Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	api := httptest.NewServer(p)
	t.Cleanup(api.Close)
	return &front{URL: api.URL, Proxy: p, Fake: local.API}, local.Director
}

func members(t *testing.T, d *director.Director) []string {
	t.Helper()
	calls, err := d.Calls(context.Background())
	require.NoError(t, err)
	require.Len(t, calls, 1)
	var out []string
	for _, m := range calls[0].Members {
		out = append(out, m.Address+":"+string(m.State))
	}
	return out
}

// TestDriftStateful: by default the fake is asked without effect, so its
// simulated call stays at the scenario's world, and the steps that need
// the earlier ones drift (with the hint that names --drift-stateful);
// with Stateful the fake's call follows the application's and nothing
// drifts.
func TestDriftStateful(t *testing.T) {
	seed := []string{flowAgent + ":connected", flowClient + ":connected"}

	f, d := statefulFront(t, false)
	for _, st := range flow {
		got := call(t, f.URL, "POST", st.path, st.body)
		require.Equal(t, 201, got.status, "the target's own call moves: %s", got.raw)
	}
	rep := f.report(t, len(flow))
	assert.Equal(t, seed, members(t, d), "dry run: the fake's call did not move")
	var statuses []string
	for _, g := range rep.Drift {
		if g.Kind == proxy.KindStatus {
			statuses = append(statuses, g.Operation+" "+g.Real+"/"+g.Fake)
			assert.Contains(t, g.Hint, "--drift-stateful", "%+v", g)
		}
	}
	// The warm transfer and the agent's hangup agree (the fake's agent is
	// on its call too); the hold and the unhold of the second agent are
	// refused by a call the transfer never brought them on.
	assert.Equal(t, []string{"updateMember 201/400"}, statuses)
	assert.Equal(t, 2, statusCount(rep), "two exchanges drift in status")

	f, d = statefulFront(t, true)
	for _, st := range flow {
		call(t, f.URL, "POST", st.path, st.body)
	}
	rep = f.report(t, len(flow))
	assert.Empty(t, rep.Drift, "the fake's call followed the conversation")
	assert.NotEqual(t, seed, members(t, d), "stateful: the fake's call moved")
}

func statusCount(r *proxy.Report) int {
	n := 0
	for _, g := range r.Drift {
		if g.Kind == proxy.KindStatus {
			n += g.Count
		}
	}
	return n
}
