package callbacks_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

const (
	agent    = "+14152225555"
	customer = "+14152223333"
	target   = "+14152224444"
	phloID   = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	nodeID   = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// conversation applies actions to a call that starts with the transfer
// flow's members and returns the events of every action, in order.
func conversation(tb testing.TB, actions ...multiparty.Action) []callbacks.Event {
	tb.Helper()
	c, err := multiparty.NewCall(phloID, nodeID, []multiparty.Member{{Address: agent, Role: multiparty.Agent}, {Address: customer, Role: multiparty.Customer}}, multiparty.Options{})
	require.NoError(tb, err)
	var out []callbacks.Event
	for _, a := range actions {
		res, err := c.Apply(a)
		require.NoError(tb, err, "%s", a.Kind)
		out = append(out, callbacks.Events(callbacks.Transition{PhloID: phloID, NodeID: nodeID, NodeName: "Multi-Party Call_1",
			Seq: res.Seq, Action: a, Result: res})...)
	}
	return out
}

func summary(evs []callbacks.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%d %s %s", e.Seq, e.Kind, e.Member))
	}
	return out
}

func TestEventsColdTransfer(t *testing.T) {
	evs := conversation(t,
		multiparty.Action{Kind: multiparty.ColdTransfer, TriggerSource: agent, To: target},
		multiparty.Action{Kind: multiparty.Hangup, Member: customer},
		multiparty.Action{Kind: multiparty.Hangup, Member: target},
	)
	want := []string{
		"1 Redirect " + agent,
		"1 ConferenceEnter " + target,
		"1 ConferenceExit " + agent,
		"2 ConferenceExit " + customer,
		"3 ConferenceExit " + target,
		"3 Completed ",
	}
	assert.Equal(t, want, summary(evs))
	// One call_uuid and one member_id per member, one conference_uuid.
	uuids, ids := map[string]string{}, map[string]string{}
	conf := evs[0].Params["conference_uuid"]
	for _, e := range evs {
		assert.Equal(t, conf, e.Params["conference_uuid"], "conference_uuid of %s", e.Kind)
		assert.Equal(t, string(e.Kind), e.Params["event"])
		if e.Member == "" {
			continue
		}
		if u, ok := uuids[e.Member]; ok {
			assert.Equal(t, u, e.Params["call_uuid"], "call_uuid of %s in %s", e.Member, e.Kind)
			assert.Equal(t, ids[e.Member], e.Params["member_id"], "member_id of %s in %s", e.Member, e.Kind)
		}
		uuids[e.Member], ids[e.Member] = e.Params["call_uuid"], e.Params["member_id"]
		assert.Equal(t, e.Member, e.Params["to"])
		assert.Equal(t, "US", e.Params["to_iso2"])
	}
	assert.Len(t, uuids, 3)
	assert.Equal(t, map[string]string{agent: "1", customer: "2", target: "3"}, ids)
	seen := map[string]bool{}
	for _, u := range uuids {
		assert.False(t, seen[u], "call_uuid %s given to two members", u)
		seen[u] = true
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, u)
	}
	assert.Equal(t, target, evs[0].Params["transfer_to"])
	assert.Equal(t, "cold", evs[0].Params["transfer_type"])
	assert.Equal(t, "completed", evs[2].Params["call_status"])
	assert.Equal(t, "in-progress", evs[1].Params["call_status"])
}

func TestEventsOtherTransitions(t *testing.T) {
	tests := []struct {
		name    string
		actions []multiparty.Action
		want    []string
	}{
		{"hold and unhold report nothing", []multiparty.Action{{Kind: multiparty.Hold, Member: customer}, {Kind: multiparty.Unhold, Member: customer}}, nil},
		{"mute reports nothing", []multiparty.Action{{Kind: multiparty.Mute, Member: customer}}, nil},
		{"call adds a member", []multiparty.Action{{Kind: multiparty.Call, To: target, Role: multiparty.Agent}}, []string{"1 ConferenceEnter " + target}},
		{"warm transfer, then the initiator hangs up", []multiparty.Action{
			{Kind: multiparty.WarmTransfer, TriggerSource: agent, To: target},
			{Kind: multiparty.Hangup, Member: agent},
		}, []string{"1 Redirect " + agent, "1 ConferenceEnter " + target, "2 ConferenceExit " + agent}},
		{"warm transfer aborted", []multiparty.Action{
			{Kind: multiparty.WarmTransfer, TriggerSource: agent, To: target},
			{Kind: multiparty.AbortTransfer, Member: agent},
		}, []string{"1 Redirect " + agent, "1 ConferenceEnter " + target, "2 ConferenceExit " + target}},
		{"a member who left comes back with its ids", []multiparty.Action{
			{Kind: multiparty.Hangup, Member: customer}, {Kind: multiparty.Call, To: customer, Role: multiparty.Customer},
		}, []string{"1 ConferenceExit " + customer, "2 ConferenceEnter " + customer}},
		{"voicemail drop of the last members completes", []multiparty.Action{
			{Kind: multiparty.VoicemailDrop, Member: customer}, {Kind: multiparty.Hangup, Member: agent},
		}, []string{"1 ConferenceExit " + customer, "2 ConferenceExit " + agent, "2 Completed "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := conversation(t, tt.actions...)
			assert.Equal(t, tt.want, summary(evs))
			for i := 1; i < len(evs); i++ {
				if evs[i].Member != "" && evs[i].Member == evs[i-1].Member {
					assert.Equal(t, evs[i-1].Params["call_uuid"], evs[i].Params["call_uuid"])
				}
			}
		})
	}
}

func TestISO2(t *testing.T) {
	for addr, want := range map[string]string{"+14152223333": "US", "+447700900123": "GB", "+353861234567": "IE",
		"sip:alice123@phone.plivo.com": "", "+999": ""} {
		assert.Equal(t, want, callbacks.ISO2(addr), addr)
	}
	assert.NotEqual(t, callbacks.CallUUID("p", "n", "a"), callbacks.CallUUID("p", "n", "b"))
}
