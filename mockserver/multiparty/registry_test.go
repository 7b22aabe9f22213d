package multiparty

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustCall(tb testing.TB, r *Registry, phloID, nodeID string) *CallState {
	tb.Helper()
	e, err := r.call(phloID, nodeID)
	require.NoError(tb, err)
	return e.call
}

// nodes lists the (PHLO/node) of the registry's calls, in Snapshot's order.
func nodes(r *Registry) []string {
	var out []string
	for _, s := range r.Snapshot() {
		out = append(out, s.PhloID+"/"+s.NodeID)
	}
	return out
}

// step is one action on a call of the registry; busy is "call u1", idle
// "call u1 then hang it up" (the call stays, nobody on it).
type step struct {
	phlo string
	busy bool
}

func TestRegistryMaxCalls(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		seed    []string // PHLOs seeded with no member: idle, never forgotten
		steps   []step
		wantErr string // the error of the last step
		want    []string
	}{
		{name: "under the bound: all kept", max: 3,
			steps: []step{{"A", false}, {"B", true}, {"C", false}},
			want:  []string{"A/N", "B/N", "C/N"}},
		{name: "the least recently used idle call goes", max: 2,
			steps: []step{{"A", false}, {"B", false}, {"C", true}},
			want:  []string{"B/N", "C/N"}},
		{name: "a call in use is kept, even the oldest", max: 2,
			steps: []step{{"A", true}, {"B", false}, {"C", true}},
			want:  []string{"A/N", "C/N"}},
		{name: "use makes a call recent", max: 2,
			steps: []step{{"A", false}, {"B", false}, {"A", false}, {"C", false}},
			want:  []string{"A/N", "C/N"}},
		{name: "everyone on a call: the new call is refused", max: 2,
			steps:   []step{{"A", true}, {"B", true}, {"C", true}},
			wantErr: "phlo C node N: too many calls: the fake keeps 2 calls started by requests and someone is on each; hang up the members of the calls you are done with, or reset the fake",
			want:    []string{"A/N", "B/N"}},
		{name: "seeded calls are neither counted nor forgotten", max: 1, seed: []string{"S1", "S2"},
			steps: []step{{"A", false}, {"B", false}, {"S1", false}},
			want:  []string{"B/N", "S1/N", "S2/N"}},
		{name: "negative: no bound", max: -1,
			steps: []step{{"A", false}, {"B", false}, {"C", false}},
			want:  []string{"A/N", "B/N", "C/N"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry(Options{MaxCalls: tt.max})
			for _, p := range tt.seed {
				require.NoError(t, r.Seed(p, "N", nil))
			}
			var err error
			for i, s := range tt.steps {
				_, err = r.Apply(s.phlo, "N", Action{Kind: Call, To: fmt.Sprint("+1415000", i)})
				if err == nil && !s.busy {
					_, err = r.Apply(s.phlo, "N", Action{Kind: Hangup, Member: fmt.Sprint("+1415000", i)})
				}
				if i < len(tt.steps)-1 {
					require.NoError(t, err, "step %d", i)
				}
			}
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrTooManyCalls)
				assert.EqualError(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.want, nodes(r))
		})
	}
}

// At the bound, the oldest sixteenth of the idle calls goes at once.
func TestRegistryDefaultMaxCalls(t *testing.T) {
	r := NewRegistry(Options{})
	for i := range DefaultMaxCalls + 10 {
		_, err := r.call(fmt.Sprint("P", i), "N") // empty: nobody on it
		require.NoError(t, err)
	}
	kept := map[string]bool{}
	for _, n := range nodes(r) {
		kept[n] = true
	}
	const batch = DefaultMaxCalls / 16
	assert.Equalf(t, DefaultMaxCalls-batch+10, len(kept), "got %d calls kept", len(kept))
	assert.False(t, kept["P0/N"], "the oldest call is forgotten")
	assert.False(t, kept[fmt.Sprint("P", batch-1, "/N")], "the last of the batch is forgotten")
	assert.True(t, kept[fmt.Sprint("P", batch, "/N")], "the call after the batch is kept")
}

// A call its registry forgot takes no action; Registry.Apply takes the
// action to the node's new call instead.
func TestRegistryEvicted(t *testing.T) {
	r := NewRegistry(Options{MaxCalls: 1})
	old, err := r.call("A", "N")
	require.NoError(t, err)
	mustCall(t, r, "B", "N") // A is idle: forgotten
	_, applied, err := old.apply(Action{Kind: Call, To: u1})
	require.NoError(t, err)
	require.False(t, applied, "a forgotten call took an action")
	assert.Zero(t, old.call.Snapshot().Seq)
	res, err := r.Apply("A", "N", Action{Kind: Call, To: u1})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), res.Seq)
	assert.Equal(t, []string{"A/N"}, nodes(r), "B forgotten in turn")
}

// Over the bound, with more clients than room, no call a client is on is
// ever lost: each call and hang-up pair either is refused at the start
// (ErrTooManyCalls) or completes.
func TestRegistryMaxCallsConcurrent(t *testing.T) {
	const max, clients, rounds = 8, 16, 200
	r := NewRegistry(Options{MaxCalls: max})
	var wg sync.WaitGroup
	errs := make([]error, clients)
	refused := make([]int, clients)
	for c := range clients {
		wg.Go(func() {
			for i := range rounds {
				phlo := fmt.Sprintf("P%d-%d", c, i%20)
				_, err := r.Apply(phlo, "N", Action{Kind: Call, To: u1})
				if err != nil {
					if !assert.ErrorIs(t, err, ErrTooManyCalls) {
						return
					}
					refused[c]++
					continue
				}
				if _, err := r.Apply(phlo, "N", Action{Kind: Hangup, Member: u1}); err != nil {
					errs[c] = fmt.Errorf("round %d: the call in use was lost: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.LessOrEqual(t, len(r.Snapshot()), max)
	t.Logf("refused %v", refused)
}

// BenchmarkRegistryNewCallAtBound is a client sending a fresh id per
// request to a full registry: each new call scans the others.
func BenchmarkRegistryNewCallAtBound(b *testing.B) {
	for _, idle := range []bool{true, false} {
		b.Run(fmt.Sprintf("idle=%v", idle), func(b *testing.B) {
			r := NewRegistry(Options{})
			for i := range DefaultMaxCalls {
				if !idle {
					_, _ = r.Apply(fmt.Sprint("P", i), "N", Action{Kind: Call, To: u1})
				} else {
					_, _ = r.call(fmt.Sprint("P", i), "N")
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				_, _ = r.Apply(fmt.Sprint("Q", i), "N", Action{Kind: Call, To: u1})
				if idle {
					_, _ = r.Apply(fmt.Sprint("Q", i), "N", Action{Kind: Hangup, Member: u1})
				}
			}
		})
	}
}
