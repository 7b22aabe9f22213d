package mpc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver/mpc"
)

func TestHistory(t *testing.T) {
	const u1, u2, u3 = "+14152225555", "+14152223333", "+14152227777"
	tests := []struct {
		name    string
		logSize int
		actions []mpc.Action
		// states after each step, start first: address=state...
		want     [][]mpc.Member
		complete bool
	}{
		{
			name: "start only", complete: true,
			want: [][]mpc.Member{{{Address: u1, Role: mpc.Agent, State: mpc.Connected}, {Address: u2, Role: mpc.Customer, State: mpc.Connected}}},
		},
		{
			name: "a warm transfer, a refused hold, then its completion", complete: true,
			actions: []mpc.Action{
				{Kind: mpc.WarmTransfer, To: u3, Role: mpc.Agent, TriggerSource: u1},
				{Kind: mpc.Hold, Member: u2}, // refused: held by the transfer
				{Kind: mpc.Hangup, Member: u1},
			},
			want: [][]mpc.Member{
				{{Address: u1, Role: mpc.Agent, State: mpc.Connected}, {Address: u2, Role: mpc.Customer, State: mpc.Connected}},
				{{Address: u1, Role: mpc.Agent, State: mpc.InTransfer}, {Address: u2, Role: mpc.Customer, State: mpc.OnHold}, {Address: u3, Role: mpc.Agent, State: mpc.InTransfer}},
				{{Address: u1, Role: mpc.Agent, State: mpc.Disconnected}, {Address: u2, Role: mpc.Customer, State: mpc.Connected}, {Address: u3, Role: mpc.Agent, State: mpc.Connected}},
			},
		},
		{
			name: "the log lost the first action", logSize: 1, complete: false,
			actions: []mpc.Action{{Kind: mpc.Hold, Member: u2}, {Kind: mpc.Unhold, Member: u2}},
			want:    [][]mpc.Member{{{Address: u1, Role: mpc.Agent, State: mpc.Connected}, {Address: u2, Role: mpc.Customer, State: mpc.Connected}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mpc.NewRegistry(mpc.Options{LogSize: tt.logSize})
			require.NoError(t, r.Seed("P", "N", []mpc.Member{{Address: u1, Role: mpc.Agent}, {Address: u2, Role: mpc.Customer}}))
			accepted := 0
			for _, a := range tt.actions {
				if _, err := r.Apply("P", "N", a); err == nil {
					accepted++
				}
			}
			h, ok := r.History("P", "N")
			require.True(t, ok)
			assert.Equal(t, tt.complete, h.Complete)
			var got [][]mpc.Member
			for i, s := range h.Steps {
				got = append(got, s.Members)
				if tt.complete {
					assert.Equal(t, uint64(i), s.Seq, "step %d", i)
					assert.Equal(t, i == 0, s.Action == nil, "step %d: only the start has no action", i)
				}
			}
			assert.Equal(t, tt.want, got)
			if tt.complete {
				assert.Len(t, h.Steps, accepted+1)
				last := h.Steps[len(h.Steps)-1]
				now := r.Snapshot()[0]
				assert.Equal(t, now.Members, last.Members, "the replay ends where the call is")
				assert.Equal(t, now.Transfer, last.Transfer)
			}
		})
	}
	_, ok := mpc.NewRegistry(mpc.Options{}).History("P", "N")
	assert.False(t, ok, "no such call")
}
