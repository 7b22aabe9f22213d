package multiparty

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	u1 = "+14150000001" // the agent who triggers transfers
	u2 = "sip:caller@phone.plivo.com"
	u3 = "+14150000003"
	u4 = "+14150000004"
)

var short = map[string]string{"U1": u1, "U2": u2, "U3": u3, "U4": u4}

var stateCode = map[string]State{"c": Connected, "h": OnHold, "t": InTransfer, "d": Disconnected}

// members reads "U1=c U2=h" (c connected, h on_hold, t in_transfer, d
// disconnected; a trailing m: muted, "U2=cm"); U2 is a customer, the
// others agents.
func members(tb testing.TB, spec string) []Member {
	tb.Helper()
	var ms []Member
	for f := range strings.FieldsSeq(spec) {
		name, code, ok := strings.Cut(f, "=")
		require.True(tb, ok, "bad member spec %q", f)
		role := Agent
		if name == "U2" {
			role = Customer
		}
		require.Contains(tb, short, name)
		code, muted := strings.CutSuffix(code, "m")
		require.Contains(tb, stateCode, code)
		ms = append(ms, Member{Address: short[name], Role: role, State: stateCode[code], Muted: muted})
	}
	return ms
}

// setup builds a call: "pending" is U1 and U2 connected, then U1 warm
// transfers to U3; any other spec is a member list.
func setup(tb testing.TB, spec string) *CallState {
	tb.Helper()
	if rest, ok := strings.CutPrefix(spec, "pending"); ok {
		c, err := NewCall("P", "N", members(tb, "U1=c U2=c"+rest), Options{})
		require.NoError(tb, err)
		_, err = c.Apply(Action{Kind: WarmTransfer, TriggerSource: u1, To: u3})
		require.NoError(tb, err)
		return c
	}
	c, err := NewCall("P", "N", members(tb, spec), Options{})
	require.NoError(tb, err)
	return c
}

func TestAllowedTransitions(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		action   Action
		want     string // members after, in arrival order
		transfer *Transfer
		result   Result
	}{
		{"call adds a member", "U1=c U2=c", Action{Kind: Call, To: u3, Role: Agent}, "U1=c U2=c U3=c", nil, Result{}},
		{"call on an empty call", "", Action{Kind: Call, To: u2, Role: Customer}, "U2=c", nil, Result{}},
		{"call brings a disconnected member back", "U1=c U2=d", Action{Kind: Call, To: u2, Role: Customer}, "U1=c U2=c", nil, Result{}},
		{"call without role joins as agent", "U1=c", Action{Kind: Call, To: u3}, "U1=c U3=c", nil, Result{}},
		{"call during a warm transfer", "pending", Action{Kind: Call, To: u4}, "U1=t U2=h U3=t U4=c", &Transfer{u1, u3, []string{u2}}, Result{}},
		{"cold transfer", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, "U1=d U2=c U3=c", nil, Result{}},
		{"cold transfer of a held party", "U1=c U2=h", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, "U1=d U2=h U3=c", nil, Result{}},
		{"cold transfer to a member who left", "U1=c U2=c U3=d", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, "U1=d U2=c U3=c", nil, Result{}},
		{"warm transfer", "U1=c U2=c", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, "U1=t U2=h U3=t", &Transfer{u1, u3, []string{u2}}, Result{}},
		{"warm transfer holds only connected parties", "U1=c U2=c U4=h", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, "U1=t U2=h U4=h U3=t", &Transfer{u1, u3, []string{u2}}, Result{}},
		{"abort transfer by the initiator", "pending", Action{Kind: AbortTransfer, Member: u1}, "U1=c U2=c U3=d", nil, Result{Aborted: true}},
		{"resume_call by the initiator completes", "pending", Action{Kind: ResumeCall, Member: u1}, "U1=c U2=c U3=c", nil, Result{Completed: true}},
		{"resume_call by the target completes", "pending", Action{Kind: ResumeCall, Member: u3}, "U1=c U2=c U3=c", nil, Result{Completed: true}},
		{"resume_call by the held party completes", "pending", Action{Kind: ResumeCall, Member: u2}, "U1=c U2=c U3=c", nil, Result{Completed: true}},
		{"hangup by the initiator hands over", "pending", Action{Kind: Hangup, Member: u1}, "U1=d U2=c U3=c", nil, Result{Completed: true}},
		{"voicemail_drop on the initiator hands over", "pending", Action{Kind: VoicemailDrop, Member: u1}, "U1=d U2=c U3=c", nil, Result{Completed: true}},
		{"hangup by the target aborts", "pending", Action{Kind: Hangup, Member: u3}, "U1=c U2=c U3=d", nil, Result{Aborted: true}},
		{"voicemail_drop on the target aborts", "pending", Action{Kind: VoicemailDrop, Member: u3}, "U1=c U2=c U3=d", nil, Result{Aborted: true}},
		{"hangup by the last held party aborts", "pending", Action{Kind: Hangup, Member: u2}, "U1=c U2=d U3=d", nil, Result{Aborted: true}},
		{"hangup by one of two held parties", "pending U4=c", Action{Kind: Hangup, Member: u2}, "U1=t U2=d U4=h U3=t", &Transfer{u1, u3, []string{u4}}, Result{}},
		{"hold", "U1=c U2=c", Action{Kind: Hold, Member: u2}, "U1=c U2=h", nil, Result{}},
		{"unhold of a member outside the transfer", "pending U4=h", Action{Kind: Unhold, Member: u4}, "U1=t U2=h U4=c U3=t", &Transfer{u1, u3, []string{u2}}, Result{}},
		{"unhold", "U1=c U2=h", Action{Kind: Unhold, Member: u2}, "U1=c U2=c", nil, Result{}},
		{"resume_call from hold", "U1=c U2=h", Action{Kind: ResumeCall, Member: u2}, "U1=c U2=c", nil, Result{}},
		{"hangup", "U1=c U2=c", Action{Kind: Hangup, Member: u2}, "U1=c U2=d", nil, Result{}},
		{"hangup on hold", "U1=c U2=h", Action{Kind: Hangup, Member: u2}, "U1=c U2=d", nil, Result{}},
		{"hangup of the last member", "U1=c", Action{Kind: Hangup, Member: u1}, "U1=d", nil, Result{}},
		{"voicemail_drop", "U1=c U2=c", Action{Kind: VoicemailDrop, Member: u2}, "U1=c U2=d", nil, Result{}},
		{"voicemail_drop on hold", "U1=c U2=h", Action{Kind: VoicemailDrop, Member: u2}, "U1=c U2=d", nil, Result{}},
		{"mute keeps the member connected", "U1=c U2=c", Action{Kind: Mute, Member: u2}, "U1=c U2=cm", nil, Result{}},
		{"mute of a held member keeps the hold", "U1=c U2=h", Action{Kind: Mute, Member: u2}, "U1=c U2=hm", nil, Result{}},
		{"mute during a warm transfer", "pending", Action{Kind: Mute, Member: u3}, "U1=t U2=h U3=tm", &Transfer{u1, u3, []string{u2}}, Result{}},
		{"unmute", "U1=c U2=cm", Action{Kind: Unmute, Member: u2}, "U1=c U2=c", nil, Result{}},
		{"hold of a muted member stays muted", "U1=c U2=cm", Action{Kind: Hold, Member: u2}, "U1=c U2=hm", nil, Result{}},
		{"unhold of a muted member stays muted", "U1=c U2=hm", Action{Kind: Unhold, Member: u2}, "U1=c U2=cm", nil, Result{}},
		{"a muted member called again starts unmuted", "U1=c U2=dm", Action{Kind: Call, To: u2, Role: Customer}, "U1=c U2=c", nil, Result{}},
		{"warm transfer with a muted party holds it", "U1=c U2=cm", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, "U1=t U2=hm U3=t", &Transfer{u1, u3, []string{u2}}, Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := setup(t, tt.from)
			was := c.Snapshot()
			got, err := c.Apply(tt.action)
			require.NoError(t, err)
			tt.result.Seq = was.Seq + 1
			tt.result.Changes, tt.result.Present = got.Changes, got.Present // checked below, against the states
			assert.Equal(t, tt.result, got)
			snap := c.Snapshot()
			var changes []Change
			present := 0
			for i, m := range snap.Members {
				if m.State != Disconnected {
					present++
				}
				var from State
				if i < len(was.Members) {
					from = was.Members[i].State
				}
				if from != m.State {
					changes = append(changes, Change{Index: i, Address: m.Address, Role: m.Role, From: from, To: m.State})
				}
			}
			assert.Equal(t, changes, got.Changes, "changes of %s", tt.action.Kind)
			assert.Equal(t, present, got.Present, "members present after %s", tt.action.Kind)
			assert.Equal(t, members(t, tt.want), snap.Members, "members after %s", tt.action.Kind)
			assert.Equal(t, tt.transfer, snap.Transfer)
		})
	}
}

func TestForbiddenTransitions(t *testing.T) {
	tests := []struct {
		name   string
		from   string
		action Action
		want   error
	}{
		{"call of a member on the call", "U1=c U2=c", Action{Kind: Call, To: u2}, ErrAlreadyOnCall},
		{"call of a held member", "U1=c U2=h", Action{Kind: Call, To: u2}, ErrAlreadyOnCall},
		{"call without to", "U1=c", Action{Kind: Call}, ErrMissingField},
		{"call with a bad role", "U1=c", Action{Kind: Call, To: u3, Role: "supervisor"}, ErrInvalidRole},
		{"cold transfer by someone not on the call", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u4, To: u3}, ErrNotOnCall},
		{"cold transfer by someone who left", "U1=d U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, ErrNotOnCall},
		{"cold transfer by someone on hold", "U1=h U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, ErrNotConnected},
		{"cold transfer to a member on the call", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u2}, ErrAlreadyOnCall},
		{"cold transfer to oneself", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u1}, ErrSelfTransfer},
		{"cold transfer alone", "U1=c U2=d", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3}, ErrNoOtherParty},
		{"cold transfer during a warm transfer", "pending", Action{Kind: ColdTransfer, TriggerSource: u1, To: u4}, ErrTransferPending},
		{"cold transfer without trigger_source", "U1=c U2=c", Action{Kind: ColdTransfer, To: u3}, ErrMissingField},
		{"cold transfer without to", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u1}, ErrMissingField},
		{"cold transfer with a bad role", "U1=c U2=c", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3, Role: "boss"}, ErrInvalidRole},
		{"warm transfer during a warm transfer", "pending", Action{Kind: WarmTransfer, TriggerSource: u1, To: u4}, ErrTransferPending},
		{"warm transfer by someone not on the call", "U1=c U2=c", Action{Kind: WarmTransfer, TriggerSource: u4, To: u3}, ErrNotOnCall},
		{"warm transfer by someone on hold", "U1=h U2=c", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, ErrNotConnected},
		{"warm transfer with nobody connected to hand over", "U1=c U2=h", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, ErrNoOtherConnected},
		{"warm transfer alone", "U1=c U2=d", Action{Kind: WarmTransfer, TriggerSource: u1, To: u3}, ErrNoOtherParty},
		{"mute twice", "U1=c U2=cm", Action{Kind: Mute, Member: u2}, ErrAlreadyMuted},
		{"unmute of a member who is not muted", "U1=c U2=c", Action{Kind: Unmute, Member: u2}, ErrNotMuted},
		{"mute of someone not on the call", "U1=c", Action{Kind: Mute, Member: u3}, ErrNotOnCall},
		{"mute of someone who left", "U1=c U2=d", Action{Kind: Mute, Member: u2}, ErrNotOnCall},
		{"warm transfer to a member on the call", "U1=c U2=c", Action{Kind: WarmTransfer, TriggerSource: u1, To: u2}, ErrAlreadyOnCall},
		{"warm transfer to oneself", "U1=c U2=c", Action{Kind: WarmTransfer, TriggerSource: u1, To: u1}, ErrSelfTransfer},
		{"abort with no pending transfer", "U1=c U2=c", Action{Kind: AbortTransfer, Member: u1}, ErrNoPendingTransfer},
		{"abort by the target", "pending", Action{Kind: AbortTransfer, Member: u3}, ErrNotInitiator},
		{"abort by the held party", "pending", Action{Kind: AbortTransfer, Member: u2}, ErrNotInitiator},
		{"abort by someone not on the call", "pending", Action{Kind: AbortTransfer, Member: u4}, ErrNotOnCall},
		{"hold of someone not on the call", "U1=c", Action{Kind: Hold, Member: u2}, ErrNotOnCall},
		{"hold twice", "U1=c U2=h", Action{Kind: Hold, Member: u2}, ErrNotConnected},
		{"hold of a transfer party", "pending", Action{Kind: Hold, Member: u3}, ErrTransferPending},
		{"unhold of a connected member", "U1=c U2=c", Action{Kind: Unhold, Member: u2}, ErrNotOnHold},
		{"unhold of a party held by a transfer", "pending", Action{Kind: Unhold, Member: u2}, ErrTransferPending},
		{"unhold of someone who left", "U1=c U2=d", Action{Kind: Unhold, Member: u2}, ErrNotOnCall},
		{"hangup of someone not on the call", "U1=c", Action{Kind: Hangup, Member: u2}, ErrNotOnCall},
		{"hangup twice", "U1=c U2=d", Action{Kind: Hangup, Member: u2}, ErrNotOnCall},
		{"voicemail_drop on someone not on the call", "U1=c", Action{Kind: VoicemailDrop, Member: u3}, ErrNotOnCall},
		{"resume_call of a connected member", "U1=c U2=c", Action{Kind: ResumeCall, Member: u2}, ErrNothingToResume},
		{"resume_call of someone not on the call", "U1=c", Action{Kind: ResumeCall, Member: u3}, ErrNotOnCall},
		{"member action without an address", "U1=c", Action{Kind: Hangup}, ErrMissingField},
		{"unknown action", "U1=c", Action{Kind: "conference", Member: u1}, ErrUnknownAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := setup(t, tt.from)
			before := c.Snapshot()
			_, err := c.Apply(tt.action)
			require.ErrorIs(t, err, tt.want)
			var te *TransitionError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.action.Kind, te.Action)
			assert.Equal(t, before, c.Snapshot(), "a refused action changed the call")
		})
	}
}

func TestTransitionErrorMessage(t *testing.T) {
	c := setup(t, "U1=c")
	_, err := c.Apply(Action{Kind: Hangup, Member: u2})
	require.Error(t, err)
	assert.Equal(t, "hangup refused for sip:caller@phone.plivo.com: member is not on the call", err.Error())
}

func TestNewCallRejects(t *testing.T) {
	tests := []struct {
		name    string
		initial []Member
	}{
		{"no address", []Member{{Role: Agent}}},
		{"bad role", []Member{{Address: u1, Role: "boss"}}},
		{"in transfer", []Member{{Address: u1, State: InTransfer}}},
		{"duplicate", []Member{{Address: u1}, {Address: u1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCall("P", "N", tt.initial, Options{})
			require.Error(t, err)
		})
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry(Options{})
	require.NoError(t, r.Seed("P1", "N1", []Member{{Address: u1, Role: Agent}, {Address: u2, Role: Customer}}))
	require.Error(t, r.Seed("P1", "N2", []Member{{Address: u1, Role: "x"}}))

	_, err := r.Apply("P1", "N1", Action{Kind: ColdTransfer, TriggerSource: u1, To: u3})
	require.NoError(t, err)
	_, err = r.Apply("P2", "N9", Action{Kind: Call, To: u4})
	require.NoError(t, err)
	require.Same(t, mustCall(t, r, "P2", "N9"), mustCall(t, r, "P2", "N9"))

	snaps := r.Snapshot()
	require.Len(t, snaps, 2)
	assert.Equal(t, "P1", snaps[0].PhloID)
	assert.Equal(t, []Member{{u1, Agent, Disconnected, false}, {u2, Customer, Connected, false}, {u3, Agent, Connected, false}}, snaps[0].Members)
	assert.Equal(t, []Member{{u4, Agent, Connected, false}}, snaps[1].Members)

	r.Reset()
	snaps = r.Snapshot()
	require.Len(t, snaps, 1, "reset keeps only seeded calls")
	assert.Equal(t, []Member{{u1, Agent, Connected, false}, {u2, Customer, Connected, false}}, snaps[0].Members)
	assert.Equal(t, uint64(0), snaps[0].Seq)
}

func TestLogSize(t *testing.T) {
	c, err := NewCall("P", "N", nil, Options{LogSize: 2})
	require.NoError(t, err)
	var seqs [][]uint64
	for _, to := range []string{u1, u2, u3, u4} {
		_, err := c.Apply(Action{Kind: Call, To: to})
		require.NoError(t, err)
		var got []uint64
		for _, a := range c.Log() {
			got = append(got, a.Seq)
		}
		seqs = append(seqs, got)
	}
	assert.Equal(t, [][]uint64{{1}, {1, 2}, {2, 3}, {3, 4}}, seqs)
	assert.Equal(t, u4, c.Log()[1].Action.To)
}

// randomAction draws from a small population so that transitions collide.
func randomAction(rng *rand.Rand) Action {
	addrs := []string{u1, u2, u3, u4, "+14150000005"}
	pick := func() string { return addrs[rng.IntN(len(addrs))] }
	kinds := []Kind{Call, Call, WarmTransfer, ColdTransfer, AbortTransfer, Hold, Unhold, Hangup, ResumeCall, VoicemailDrop, Mute, Unmute}
	k := kinds[rng.IntN(len(kinds))]
	switch k {
	case Call:
		return Action{Kind: k, To: pick(), Role: []Role{Customer, Agent}[rng.IntN(2)]}
	case WarmTransfer, ColdTransfer:
		return Action{Kind: k, To: pick(), TriggerSource: pick()}
	}
	return Action{Kind: k, Member: pick()}
}

func TestConcurrentActionsReplaySerially(t *testing.T) {
	const goroutines, perG = 50, 100
	initial := members(t, "U1=c U2=c")
	c, err := NewCall("P", "N", initial, Options{LogSize: goroutines * perG})
	require.NoError(t, err)

	var mu sync.Mutex
	var applied []Applied
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range perG {
				a := randomAction(rng)
				res, err := c.Apply(a)
				if err != nil {
					continue
				}
				mu.Lock()
				applied = append(applied, Applied{Seq: res.Seq, Action: a})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	final := c.Snapshot()

	slices.SortFunc(applied, func(a, b Applied) int { return int(a.Seq) - int(b.Seq) })
	require.NotEmpty(t, applied)
	for i, a := range applied {
		require.Equal(t, uint64(i+1), a.Seq, "sequence numbers have a gap or a duplicate")
	}
	require.Equal(t, applied, c.Log(), "the call's log differs from what the callers saw")

	replay, err := NewCall("P", "N", initial, Options{})
	require.NoError(t, err)
	for _, a := range applied {
		_, err := replay.Apply(a.Action)
		require.NoError(t, err, "replaying seq %d %+v", a.Seq, a.Action)
	}
	got := replay.Snapshot()
	assert.Equal(t, final.Members, got.Members)
	assert.Equal(t, final.Transfer, got.Transfer)
	assert.Equal(t, final.Seq, got.Seq)
	t.Logf("%d of %d actions applied", len(applied), goroutines*perG)
}

func ExampleCallState_Apply() {
	call, _ := NewCall("phlo", "node", []Member{
		{Address: "+14155550001", Role: Agent},
		{Address: "+14155550002", Role: Customer},
	}, Options{})

	// U1 consults U3 while U2 waits on hold, then hangs up: U2 and U3 talk.
	call.Apply(Action{Kind: WarmTransfer, TriggerSource: "+14155550001", To: "+14155550003"})
	call.Apply(Action{Kind: Hangup, Member: "+14155550001"})
	_, err := call.Apply(Action{Kind: AbortTransfer, Member: "+14155550001"})
	fmt.Println(err)
	for _, m := range call.Snapshot().Members {
		fmt.Println(m.Address, m.Role, m.State)
	}
	// Output:
	// abort_transfer refused for +14155550001: member is not on the call
	// +14155550001 agent disconnected
	// +14155550002 customer connected
	// +14155550003 agent connected
}

func TestActionFrom(t *testing.T) {
	tests := []struct {
		name   string
		member string
		body   map[string]any
		want   Action
	}{
		{"node action", "", map[string]any{"action": "cold_transfer", "to": u3, "role": "agent", "trigger_source": u1}, Action{Kind: ColdTransfer, To: u3, Role: Agent, TriggerSource: u1}},
		{"member action", u2, map[string]any{"action": "hold", "to": "ignored"}, Action{Kind: Hold, Member: u2}},
		{"non-string fields", "", map[string]any{"action": "call", "to": 5.0, "role": nil}, Action{Kind: Call}},
		{"no body", u2, nil, Action{Member: u2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ActionFrom(tt.member, tt.body))
		})
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry(Options{})
	var wg sync.WaitGroup
	calls := make([]*entry, 20)
	for i := range calls {
		wg.Go(func() {
			calls[i], _ = r.call("P", "N")
			_, _ = r.Apply("P", "N", Action{Kind: Call, To: fmt.Sprint(i)})
			_ = r.Snapshot()
		})
	}
	wg.Wait()
	for _, c := range calls {
		require.Same(t, calls[0], c)
	}
	assert.Len(t, mustCall(t, r, "P", "N").Snapshot().Members, 20)
	assert.Equal(t, uint64(20), mustCall(t, r, "P", "N").Snapshot().Seq)
}

func BenchmarkApplyHoldUnhold(b *testing.B) {
	c := setup(b, "U1=c U2=c")
	hold, unhold := Action{Kind: Hold, Member: u2}, Action{Kind: Unhold, Member: u2}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Apply(hold); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Apply(unhold); err != nil {
			b.Fatal(err)
		}
	}
}

// A warm transfer whose only other member is on hold is refused for what
// it is: that member is on the call, just not connected to hand over
// (transfer-flow used to say "no other member to transfer").
func TestWarmTransferRefusedWhenTheOtherIsOnHold(t *testing.T) {
	c := setup(t, "U1=c U2=h")
	_, err := c.Apply(Action{Kind: WarmTransfer, TriggerSource: u1, To: u3})
	require.ErrorIs(t, err, ErrNoOtherConnected)
	assert.Equal(t, "warm_transfer refused for +14150000001: no other member is connected to hand over (sip:caller@phone.plivo.com is on_hold)", err.Error())
	assert.NotContains(t, err.Error(), "no other member to transfer")
}
