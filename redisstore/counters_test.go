package redisstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/redisstore"
)

// counterStores are n replicas' counter stores on one Redis, each with a
// client of its own.
func counterStores(t *testing.T, s *redistest.Server, n int) []*redisstore.CounterStore {
	t.Helper()
	var out []*redisstore.CounterStore
	for range n {
		st, err := redisstore.Open(context.Background(), s.URL(0), "t:")
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		out = append(out, redisstore.NewCounterStore(st))
	}
	return out
}

// Concurrent hits from several goroutines on several clients get exactly
// 1..N, each once; another rule and another scope count apart.
func TestCounters(t *testing.T) {
	s := redistest.Start(t)
	stores := counterStores(t, s, 3)
	const perGoroutine, goroutines = 50, 12
	ctx := context.Background()
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for g := range goroutines {
		c := stores[g%len(stores)].Counter("active:x")
		wg.Go(func() {
			for range perGoroutine {
				n, err := c.Hit(ctx, 2)
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	want := make([]int64, goroutines*perGoroutine)
	for i := range want {
		want[i] = int64(i + 1)
	}
	assert.Equal(t, want, got)

	n, err := stores[0].Counter("active:x").Hit(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "another rule counts apart")
	n, err = stores[1].Counter("named:x").Hit(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "another scope counts apart")
}

// Reset (a new epoch) restarts every scope for every replica; Clear
// restarts one scope.
func TestCountersResetAndClear(t *testing.T) {
	s := redistest.Start(t)
	stores := counterStores(t, s, 2)
	ctx := context.Background()
	hit := func(cs *redisstore.CounterStore, scope string) int64 {
		t.Helper()
		n, err := cs.Counter(scope).Hit(ctx, 0)
		require.NoError(t, err)
		return n
	}
	hit(stores[0], "active:a")
	hit(stores[1], "active:a")
	hit(stores[0], "named:b")
	require.Equal(t, int64(3), hit(stores[1], "active:a"))

	require.NoError(t, stores[0].Reset(ctx))
	assert.Equal(t, int64(1), hit(stores[1], "active:a"), "reset on one replica restarts the other's")
	assert.Equal(t, int64(1), hit(stores[1], "named:b"), "reset restarts every scope")

	hit(stores[0], "named:b")
	require.NoError(t, stores[1].Clear(ctx, "active:a"))
	assert.Equal(t, int64(1), hit(stores[0], "active:a"), "clear restarts its scope")
	assert.Equal(t, int64(3), hit(stores[0], "named:b"), "and no other")
}

// With Redis stopped, a hit, a clear and a reset fail naming the store.
func TestCountersStoreDown(t *testing.T) {
	s := redistest.Start(t)
	cs := counterStores(t, s, 1)[0]
	ctx := context.Background()
	_, err := cs.Counter("active:x").Hit(ctx, 0)
	require.NoError(t, err)
	s.Stop()
	_, err = cs.Counter("active:x").Hit(ctx, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "store redis://"+s.Addr)
	assert.ErrorContains(t, cs.Reset(ctx), "store redis://"+s.Addr)
	assert.ErrorContains(t, cs.Clear(ctx, "active:x"), "store redis://"+s.Addr)
}
