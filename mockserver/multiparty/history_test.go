package multiparty_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

func TestHistory(t *testing.T) {
	const u1, u2, u3 = "+14152225555", "+14152223333", "+14152227777"
	tests := []struct {
		name    string
		logSize int
		actions []multiparty.Action
		// states after each step, start first: address=state...
		want     [][]multiparty.Member
		complete bool
	}{
		{
			name: "start only", complete: true,
			want: [][]multiparty.Member{{{Address: u1, Role: multiparty.Agent, State: multiparty.Connected}, {Address: u2, Role: multiparty.Customer, State: multiparty.Connected}}},
		},
		{
			name: "a warm transfer, a refused hold, then its completion", complete: true,
			actions: []multiparty.Action{
				{Kind: multiparty.WarmTransfer, To: u3, Role: multiparty.Agent, TriggerSource: u1},
				{Kind: multiparty.Hold, Member: u2}, // refused: held by the transfer
				{Kind: multiparty.Hangup, Member: u1},
			},
			want: [][]multiparty.Member{
				{{Address: u1, Role: multiparty.Agent, State: multiparty.Connected}, {Address: u2, Role: multiparty.Customer, State: multiparty.Connected}},
				{{Address: u1, Role: multiparty.Agent, State: multiparty.InTransfer}, {Address: u2, Role: multiparty.Customer, State: multiparty.OnHold}, {Address: u3, Role: multiparty.Agent, State: multiparty.InTransfer}},
				{{Address: u1, Role: multiparty.Agent, State: multiparty.Disconnected}, {Address: u2, Role: multiparty.Customer, State: multiparty.Connected}, {Address: u3, Role: multiparty.Agent, State: multiparty.Connected}},
			},
		},
		{
			name: "the log lost the first action", logSize: 1, complete: false,
			actions: []multiparty.Action{{Kind: multiparty.Hold, Member: u2}, {Kind: multiparty.Unhold, Member: u2}},
			want:    [][]multiparty.Member{{{Address: u1, Role: multiparty.Agent, State: multiparty.Connected}, {Address: u2, Role: multiparty.Customer, State: multiparty.Connected}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := multiparty.NewRegistry(multiparty.Options{LogSize: tt.logSize})
			require.NoError(t, r.Seed("P", "N", []multiparty.Member{{Address: u1, Role: multiparty.Agent}, {Address: u2, Role: multiparty.Customer}}))
			accepted := 0
			for _, a := range tt.actions {
				if _, err := r.Apply("P", "N", a); err == nil {
					accepted++
				}
			}
			h, ok := r.History("P", "N")
			require.True(t, ok)
			assert.Equal(t, tt.complete, h.Complete)
			var got [][]multiparty.Member
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
	_, ok := multiparty.NewRegistry(multiparty.Options{}).History("P", "N")
	assert.False(t, ok, "no such call")
}
