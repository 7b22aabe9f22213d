package director_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// The members of the transition tables, as in package multiparty's tests: U2 is
// the customer, the others agents; U1 triggers transfers.
var addr = map[string]string{"U1": "+14150000001", "U2": "sip:caller@phone.plivo.com", "U3": "+14150000003", "U4": "+14150000004"}

var stateOf = map[string]string{"c": "connected", "h": "on_hold", "t": "in_transfer", "d": "disconnected"}

func roleOf(name string) string {
	if name == "U2" {
		return "customer"
	}
	return "agent"
}

// world is a stateful scenario whose node starts with spec's members
// ("U1=c U2=h").
func world(tb testing.TB, spec string) *scenarios.Scenario {
	tb.Helper()
	var ms []scenarios.Member
	for f := range strings.FieldsSeq(spec) {
		name, code, _ := strings.Cut(f, "=")
		require.Contains(tb, addr, name)
		ms = append(ms, scenarios.Member{Address: addr[name], Role: roleOf(name), State: stateOf[code]})
	}
	return &scenarios.Scenario{Version: 1, Name: "table", Stateful: true, World: scenarios.World{PHLOs: []scenarios.PHLO{{
		ID: phloID, Nodes: []scenarios.Node{{ID: nodeID, Members: ms}},
	}}}}
}

func members(tb testing.TB, spec string) []multiparty.Member {
	tb.Helper()
	var ms []multiparty.Member
	for f := range strings.FieldsSeq(spec) {
		name, code, _ := strings.Cut(f, "=")
		ms = append(ms, multiparty.Member{Address: addr[name], Role: multiparty.Role(roleOf(name)), State: multiparty.State(stateOf[code])})
	}
	return ms
}

// act is one action over HTTP: a node action "call U3 agent", "cold U3",
// "warm U3" (triggered by U1), or a member action "hold U2".
type act string

func (a act) send(tb testing.TB, s *faketest.Server) reply {
	tb.Helper()
	f := strings.Fields(string(a))
	who := func(i int) string {
		if i < len(f) {
			if v, ok := addr[f[i]]; ok {
				return v
			}
			return f[i]
		}
		return ""
	}
	switch f[0] {
	case "call":
		role := "agent"
		if len(f) > 2 {
			role = f[2]
		}
		return send(tb, s, "POST", nodePath, callBody("call", who(1), role, addr["U1"]))
	case "cold", "warm":
		trigger := addr["U1"]
		if len(f) > 2 {
			trigger = who(2)
		}
		return send(tb, s, "POST", nodePath, callBody(f[0]+"_transfer", who(1), "agent", trigger))
	case "raw": // raw ACTION: a member action on an address given as is
		return send(tb, s, "POST", nodePath+"/members/"+strings.Join(f[2:], ""), memberBody(f[1]))
	}
	return send(tb, s, "POST", memberPath(who(1)), memberBody(f[0]))
}

// setupCall activates a world of from's members; "pending..." starts with
// U1 and U2 connected (plus the rest) and U1's warm transfer to U3.
func setupCall(t *testing.T, s *faketest.Server, from string) {
	t.Helper()
	pending := strings.HasPrefix(from, "pending")
	if pending {
		from = "U1=c U2=c" + strings.TrimPrefix(from, "pending")
	}
	require.NoError(t, s.Director.Activate(world(t, from)))
	if pending {
		r := act("warm U3").send(t, s)
		require.Equal(t, 201, r.status, r.raw)
	}
}

func snapshot(t *testing.T, s *faketest.Server) multiparty.Snapshot {
	t.Helper()
	calls, err := s.Director.Calls(t.Context())
	require.NoError(t, err)
	require.Len(t, calls, 1)
	return calls[0]
}

// TestAllowedTransitionsOverHTTP is package multiparty's table of allowed
// transitions, sent through the fake: each answers the contract's 201 and
// leaves the call in the state the model says.
func TestAllowedTransitionsOverHTTP(t *testing.T) {
	u1, u2, u3, u4 := addr["U1"], addr["U2"], addr["U3"], addr["U4"]
	tests := []struct {
		name     string
		from     string
		action   act
		want     string
		transfer *multiparty.Transfer
	}{
		{"call adds a member", "U1=c U2=c", "call U3 agent", "U1=c U2=c U3=c", nil},
		{"call on an empty call", "", "call U2 customer", "U2=c", nil},
		{"call brings a disconnected member back", "U1=c U2=d", "call U2 customer", "U1=c U2=c", nil},
		{"call with role \"\" joins as agent", "U1=c", "call U3 ", "U1=c U3=c", nil},
		{"call during a warm transfer", "pending", "call U4", "U1=t U2=h U3=t U4=c", &multiparty.Transfer{Initiator: u1, Target: u3, Held: []string{u2}}},
		{"cold transfer", "U1=c U2=c", "cold U3", "U1=d U2=c U3=c", nil},
		{"cold transfer of a held party", "U1=c U2=h", "cold U3", "U1=d U2=h U3=c", nil},
		{"cold transfer to a member who left", "U1=c U2=c U3=d", "cold U3", "U1=d U2=c U3=c", nil},
		{"warm transfer", "U1=c U2=c", "warm U3", "U1=t U2=h U3=t", &multiparty.Transfer{Initiator: u1, Target: u3, Held: []string{u2}}},
		{"warm transfer holds only connected parties", "U1=c U2=c U4=h", "warm U3", "U1=t U2=h U4=h U3=t", &multiparty.Transfer{Initiator: u1, Target: u3, Held: []string{u2}}},
		{"abort transfer by the initiator", "pending", "abort_transfer U1", "U1=c U2=c U3=d", nil},
		{"resume_call by the initiator completes", "pending", "resume_call U1", "U1=c U2=c U3=c", nil},
		{"resume_call by the target completes", "pending", "resume_call U3", "U1=c U2=c U3=c", nil},
		{"resume_call by the held party completes", "pending", "resume_call U2", "U1=c U2=c U3=c", nil},
		{"hangup by the initiator hands over", "pending", "hangup U1", "U1=d U2=c U3=c", nil},
		{"voicemail_drop on the initiator hands over", "pending", "voicemail_drop U1", "U1=d U2=c U3=c", nil},
		{"hangup by the target aborts", "pending", "hangup U3", "U1=c U2=c U3=d", nil},
		{"voicemail_drop on the target aborts", "pending", "voicemail_drop U3", "U1=c U2=c U3=d", nil},
		{"hangup by the last held party aborts", "pending", "hangup U2", "U1=c U2=d U3=d", nil},
		{"hangup by one of two held parties", "pending U4=c", "hangup U2", "U1=t U2=d U4=h U3=t", &multiparty.Transfer{Initiator: u1, Target: u3, Held: []string{u4}}},
		{"hold", "U1=c U2=c", "hold U2", "U1=c U2=h", nil},
		{"unhold of a member outside the transfer", "pending U4=h", "unhold U4", "U1=t U2=h U4=c U3=t", &multiparty.Transfer{Initiator: u1, Target: u3, Held: []string{u2}}},
		{"unhold", "U1=c U2=h", "unhold U2", "U1=c U2=c", nil},
		{"resume_call from hold", "U1=c U2=h", "resume_call U2", "U1=c U2=c", nil},
		{"hangup", "U1=c U2=c", "hangup U2", "U1=c U2=d", nil},
		{"hangup on hold", "U1=c U2=h", "hangup U2", "U1=c U2=d", nil},
		{"hangup of the last member", "U1=c", "hangup U1", "U1=d", nil},
		{"voicemail_drop", "U1=c U2=c", "voicemail_drop U2", "U1=c U2=d", nil},
		{"voicemail_drop on hold", "U1=c U2=h", "voicemail_drop U2", "U1=c U2=d", nil},
	}
	s := faketest.NewServer(t, fake.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setupCall(t, s, tt.from)
			before := snapshot(t, s).Seq
			r := tt.action.send(t, s)
			require.Equalf(t, 201, r.status, "got %d %s, want 201", r.status, r.raw)
			assert.Equal(t, "", r.body["error"])
			snap := snapshot(t, s)
			assert.Equal(t, before+1, snap.Seq)
			assert.Equal(t, members(t, tt.want), snap.Members, "members after %s", tt.action)
			assert.Equal(t, tt.transfer, snap.Transfer)
		})
	}
}

// TestForbiddenTransitionsOverHTTP is package multiparty's table of forbidden
// transitions, sent through the fake: each answers 400 (404 for a member
// path without an address) with the reason, and leaves the call as it was.
// Some never reach the model: the contract refuses them first.
func TestForbiddenTransitionsOverHTTP(t *testing.T) {
	tests := []struct {
		name   string
		from   string
		action act
		status int
		error  string
	}{
		{"call of a member on the call", "U1=c U2=c", "call U2 customer", 400, "member is already on the call"},
		{"call of a held member", "U1=c U2=h", "call U2 customer", 400, "member is already on the call"},
		{"call without to (the contract)", "U1=c", "call ", 400, "to"},
		{"call with a bad role (the contract)", "U1=c", "call U3 supervisor", 400, "role"},
		{"cold transfer by someone not on the call", "U1=c U2=c", "cold U3 U4", 400, "member is not on the call"},
		{"cold transfer by someone who left", "U1=d U2=c", "cold U3", 400, "member is not on the call"},
		{"cold transfer by someone on hold", "U1=h U2=c", "cold U3", 400, "member is not connected"},
		{"cold transfer to a member on the call", "U1=c U2=c", "cold U2", 400, "member is already on the call"},
		{"cold transfer to oneself", "U1=c U2=c", "cold U1", 400, "cannot transfer to oneself"},
		{"cold transfer alone", "U1=c U2=d", "cold U3", 400, "no other member to transfer"},
		{"cold transfer during a warm transfer", "pending", "cold U4", 400, "a warm transfer is pending"},
		{"warm transfer during a warm transfer", "pending", "warm U4", 400, "a warm transfer is pending"},
		{"warm transfer by someone not on the call", "U1=c U2=c", "warm U3 U4", 400, "member is not on the call"},
		{"warm transfer by someone on hold", "U1=h U2=c", "warm U3", 400, "member is not connected"},
		{"warm transfer with nobody connected to hand over", "U1=c U2=h", "warm U3", 400, "no other member is connected to hand over (sip:caller@phone.plivo.com is on_hold)"},
		{"warm transfer to a member on the call", "U1=c U2=c", "warm U2", 400, "member is already on the call"},
		{"warm transfer to oneself", "U1=c U2=c", "warm U1", 400, "cannot transfer to oneself"},
		{"abort with no pending transfer", "U1=c U2=c", "abort_transfer U1", 400, "no transfer is pending"},
		{"abort by the target", "pending", "abort_transfer U3", 400, "member did not start the pending transfer"},
		{"abort by the held party", "pending", "abort_transfer U2", 400, "member did not start the pending transfer"},
		{"abort by someone not on the call", "pending", "abort_transfer U4", 400, "member is not on the call"},
		{"hold of someone not on the call", "U1=c", "hold U2", 400, "member is not on the call"},
		{"hold twice", "U1=c U2=h", "hold U2", 400, "member is not connected"},
		{"hold of a transfer party", "pending", "hold U3", 400, "a warm transfer is pending"},
		{"unhold of a connected member", "U1=c U2=c", "unhold U2", 400, "member is not on hold"},
		{"unhold of a party held by a transfer", "pending", "unhold U2", 400, "a warm transfer is pending"},
		{"unhold of someone who left", "U1=c U2=d", "unhold U2", 400, "member is not on the call"},
		{"hangup of someone not on the call", "U1=c", "hangup U2", 400, "member is not on the call"},
		{"hangup twice", "U1=c U2=d", "hangup U2", 400, "member is not on the call"},
		{"voicemail_drop on someone not on the call", "U1=c", "voicemail_drop U3", 400, "member is not on the call"},
		{"resume_call of a connected member", "U1=c U2=c", "resume_call U2", 400, "member is neither on hold nor in a transfer"},
		{"resume_call of someone not on the call", "U1=c", "resume_call U3", 400, "member is not on the call"},
		{"member action without an address (the router)", "U1=c", "raw hangup ", 404, "empty"},
		{"unknown action (the contract)", "U1=c", "raw conference U1", 400, "action"},
	}
	s := faketest.NewServer(t, fake.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setupCall(t, s, tt.from)
			before := snapshot(t, s)
			r := tt.action.send(t, s)
			require.Equalf(t, tt.status, r.status, "got %d %s, want %d", r.status, r.raw, tt.status)
			assert.Contains(t, r.body["error"], tt.error)
			assert.NotEmpty(t, r.body["api_id"])
			assert.Equal(t, before, snapshot(t, s), "a refused action changed the call")
		})
	}
}

// mute and unmute (plivo-python's member actions) go through the
// simulated call: mute is a flag beside the state, not hold.
func TestMuteOverHTTP(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	setupCall(t, s, "U1=c U2=c")
	r := act("mute U2").send(t, s)
	require.Equal(t, 201, r.status, r.raw)
	snap := snapshot(t, s)
	require.Len(t, snap.Members, 2)
	assert.True(t, snap.Members[1].Muted, "U2 muted")
	assert.Equal(t, multiparty.Connected, snap.Members[1].State, "mute is not hold")

	r = act("mute U2").send(t, s)
	assert.Equal(t, 400, r.status, r.raw)
	assert.Contains(t, r.raw, "member is already muted")

	r = act("unmute U2").send(t, s)
	require.Equal(t, 201, r.status, r.raw)
	assert.False(t, snapshot(t, s).Members[1].Muted, "U2 unmuted")
}
