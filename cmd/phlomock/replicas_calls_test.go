package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
)

// The transfer-flow call of the built-in scenario, as a conversation: node
// and member actions, allowed and refused.
const (
	flowNode   = "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c/multi_party_call/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	flowAgent  = "+14152225555"
	flowSecond = "+14152224444"
)

type flowStep struct{ path, body string }

var transferFlow = []flowStep{
	{flowNode + "/members/" + flowAgent, `{"action":"abort_transfer"}`}, // refused: nothing pending
	{flowNode, `{"action":"warm_transfer","to":"` + flowSecond + `","role":"agent","trigger_source":"` + flowAgent + `"}`},
	{flowNode, `{"action":"warm_transfer","to":"+14152226666","role":"agent","trigger_source":"` + flowAgent + `"}`}, // refused: one pending
	{flowNode + "/members/" + flowSecond, `{"action":"hold"}`},                                                       // refused: a transfer is pending
	{flowNode + "/members/" + flowAgent, `{"action":"hangup"}`},                                                      // completes the transfer
	{flowNode + "/members/" + flowAgent, `{"action":"hangup"}`},                                                      // refused: not on the call
	{flowNode + "/members/" + flowSecond, `{"action":"unhold"}`},                                                     // refused: connected, not on hold
	{flowNode, `{"action":"call","to":"` + flowAgent + `","role":"agent","trigger_source":"` + flowSecond + `"}`},
	{flowNode, `{"action":"cold_transfer","to":"+14152227777","role":"agent","trigger_source":"` + flowSecond + `"}`},
	{flowNode + "/members/" + flowSecond, `{"action":"hold"}`}, // refused: left by the cold transfer
}

// send posts one step to r and returns its status and error text.
func (r *replica) send(t *testing.T, s flowStep) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", r.API+s.path, strings.NewReader(s.body))
	require.NoError(t, err)
	req.Header.Set("Authorization", r.Auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body struct {
		Error string `json:"error"`
	}
	require.NoErrorf(t, json.Unmarshal(raw, &body), "%s", raw)
	return resp.StatusCode, body.Error
}

// Three replicas on one Redis answer the transfer flow, sent round-robin,
// exactly as one process with the memory store answers it; and when the
// replica that started a warm transfer is killed (SIGKILL), the others
// complete it.
func TestReplicasShareCalls(t *testing.T) {
	s := redistest.Start(t)
	one := startReplicas(t, 1, "memory", "--scenario", "transfer-flow")[0]
	rs := startReplicas(t, 3, s.URL(0), "--scenario", "transfer-flow")
	refused := 0
	for i, step := range transferFlow {
		wantStatus, wantErr := one.send(t, step)
		gotStatus, gotErr := rs[i%len(rs)].send(t, step)
		assert.Equal(t, wantStatus, gotStatus, "step %d %s on replica %d", i, step.body, i%len(rs))
		assert.Equal(t, wantErr, gotErr, "step %d %s", i, step.body)
		if wantStatus == http.StatusBadRequest {
			refused++
		}
	}
	assert.Equal(t, 6, refused, "the flow has six refusals, each answered alike")

	t.Run("SIGKILL in the middle of a transfer", func(t *testing.T) {
		// A fresh call: a replica started now resumes the calls in progress, and
		// activating the scenario again (here through the control plane) starts
		// them from the scenario's world, for every replica.
		req, err := http.NewRequest("PUT", rs[0].Admin+"/__admin/scenarios/active", strings.NewReader(`{"names":["transfer-flow"]}`))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		status, msg := rs[0].send(t, transferFlow[1]) // warm transfer started on replica 0
		require.Equal(t, http.StatusCreated, status, msg)
		require.NoError(t, rs[0].Cmd.Process.Kill())
		status, msg = rs[1].send(t, transferFlow[2]) // a second one is refused elsewhere: the first is pending
		assert.Equal(t, http.StatusBadRequest, status, msg)
		status, msg = rs[2].send(t, flowStep{flowNode + "/members/" + flowAgent, `{"action":"abort_transfer"}`})
		assert.Equal(t, http.StatusCreated, status, "replica 2 aborts the transfer replica 0 started: %s", msg)
		status, _ = rs[1].send(t, flowStep{flowNode + "/members/" + flowAgent, `{"action":"abort_transfer"}`})
		assert.Equal(t, http.StatusBadRequest, status, "nothing pending any more")
	})
}
