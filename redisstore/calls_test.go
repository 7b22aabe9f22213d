package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/redisstore"
)

const u1, u2, u3, u4 = "+14150000001", "sip:caller@phone.plivo.com", "+14150000003", "+14150000004"

// replicas are two replicas' calls of one set on one Redis.
func replicas(t *testing.T, s *redistest.Server) (a, b multiparty.Calls) {
	t.Helper()
	var out []multiparty.Calls
	for range 2 {
		st, err := redisstore.Open(context.Background(), s.URL(0), "t:")
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		c := redisstore.NewCallStore(st, multiparty.Options{}).Calls("active:x")
		require.NoError(t, c.Seed("P", "N", []multiparty.Member{{Address: u1, Role: multiparty.Agent}, {Address: u2, Role: multiparty.Customer}}))
		out = append(out, c)
	}
	return out[0], out[1]
}

// The transfer flow alternating between two replicas gives the answers one
// in-memory Registry gives.
func TestCallsTwoReplicasAsOne(t *testing.T) {
	s := redistest.Start(t)
	a, b := replicas(t, s)
	mem := multiparty.NewMemory(multiparty.Options{})
	require.NoError(t, mem.Seed("P", "N", []multiparty.Member{{Address: u1, Role: multiparty.Agent}, {Address: u2, Role: multiparty.Customer}}))
	flow := []multiparty.Action{
		{Kind: multiparty.Call, To: u4},
		{Kind: multiparty.Hangup, Member: u4},
		{Kind: multiparty.WarmTransfer, TriggerSource: u1, To: u3},
		{Kind: multiparty.Hold, Member: u2},                        // refused: held by the transfer
		{Kind: multiparty.ColdTransfer, TriggerSource: u1, To: u4}, // refused: pending
		{Kind: multiparty.Hangup, Member: u1},                      // completes
		{Kind: multiparty.Hold, Member: u2},
		{Kind: multiparty.Unhold, Member: u2},
		{Kind: multiparty.Hangup, Member: u1}, // refused: gone
		{Kind: multiparty.Hangup, Member: u3},
	}
	ctx := context.Background()
	for i, act := range flow {
		on := []multiparty.Calls{a, b}[i%2]
		want, wantErr := mem.Apply(ctx, "P", "N", act)
		got, err := on.Apply(ctx, "P", "N", act)
		assert.Equal(t, want, got, "step %d %v", i, act.Kind)
		if wantErr == nil {
			assert.NoError(t, err, "step %d", i)
		} else {
			assert.EqualError(t, err, wantErr.Error(), "step %d", i)
		}
	}
	ms, _ := mem.Snapshot(ctx)
	rs, err := b.Snapshot(ctx)
	require.NoError(t, err)
	assert.Equal(t, ms, rs)
	mh, _, _ := mem.History(ctx, "P", "N")
	rh, ok, err := a.History(ctx, "P", "N")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, mh, rh)

	require.NoError(t, a.Reset(ctx))
	rs, err = b.Snapshot(ctx)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, uint64(0), rs[0].Seq, "reset: back to the seed")
}

// Two replicas starting conflicting transfers at once: exactly one wins.
func TestCallsConflictingTransfersSerialise(t *testing.T) {
	s := redistest.Start(t)
	a, b := replicas(t, s)
	ctx := context.Background()
	for round := range 20 {
		require.NoError(t, a.Reset(ctx))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, c := range []multiparty.Calls{a, b} {
			wg.Go(func() {
				_, errs[i] = c.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.WarmTransfer, TriggerSource: u1, To: []string{u3, u4}[i]})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			var te *multiparty.TransitionError
			require.True(t, errors.As(err, &te), "round %d: got %v, want a refused transition", round, err)
		}
		assert.Equal(t, 1, won, "round %d: got %d winners, want 1", round, won)
	}
}

// Redis down: an error naming the store; back: the call is as it was.
func TestCallsStoreDown(t *testing.T) {
	s := redistest.Start(t)
	a, _ := replicas(t, s)
	ctx := context.Background()
	_, err := a.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
	require.NoError(t, err)
	s.Stop()
	_, err = a.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "store redis://"+s.Addr)
	var te *multiparty.TransitionError
	assert.False(t, errors.As(err, &te))
}

// Try answers what Apply then answers, at every step of the transfer flow,
// and changes nothing, in memory and in Redis alike (the proxy's dry run).
func TestCallsTryChangesNothing(t *testing.T) {
	s := redistest.Start(t)
	inRedis, _ := replicas(t, s)
	mem := multiparty.NewMemory(multiparty.Options{})
	require.NoError(t, mem.Seed("P", "N", []multiparty.Member{{Address: u1, Role: multiparty.Agent}, {Address: u2, Role: multiparty.Customer}}))
	flow := []multiparty.Action{
		{Kind: multiparty.Call, To: u4},
		{Kind: multiparty.WarmTransfer, TriggerSource: u1, To: u3},
		{Kind: multiparty.Hold, Member: u2}, // refused: held by the transfer
		{Kind: multiparty.Hangup, Member: u1},
		{Kind: multiparty.Hangup, Member: u1}, // refused: gone
	}
	ctx := context.Background()
	for name, c := range map[string]multiparty.Calls{"memory": mem, "redis": inRedis} {
		for i, act := range flow {
			before, err := c.Snapshot(ctx)
			require.NoError(t, err)
			hBefore, _, err := c.History(ctx, "P", "N")
			require.NoError(t, err)
			tried, tryErr := c.Try(ctx, "P", "N", act)
			after, err := c.Snapshot(ctx)
			require.NoError(t, err)
			hAfter, _, err := c.History(ctx, "P", "N")
			require.NoError(t, err)
			assert.Equal(t, before, after, "%s step %d: Try changed the call", name, i)
			assert.Equal(t, hBefore, hAfter, "%s step %d: Try changed the log", name, i)

			got, err := c.Apply(ctx, "P", "N", act)
			assert.Equal(t, got, tried, "%s step %d %v", name, i, act.Kind)
			if err == nil {
				assert.NoError(t, tryErr, "%s step %d", name, i)
			} else {
				assert.EqualError(t, tryErr, err.Error(), "%s step %d", name, i)
			}
		}
		// A call that does not exist yet is not created by a Try.
		_, err := c.Try(ctx, "P", "OTHER", multiparty.Action{Kind: multiparty.Call, To: u4})
		require.NoError(t, err)
		snaps, err := c.Snapshot(ctx)
		require.NoError(t, err)
		assert.Len(t, snaps, 1, name)
	}
}
