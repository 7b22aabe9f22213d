package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/redisstore"
)

type seen struct {
	command string
	failed  bool
}

// Observe sees every command and pipeline of the shared client, a missing
// key as an answer and a lost server as an error.
func TestObserve(t *testing.T) {
	s := redistest.Start(t)
	st, err := redisstore.Open(context.Background(), s.URL(0), "p:")
	require.NoError(t, err)
	defer st.Close()
	var mu sync.Mutex
	var got []seen
	st.Observe(func(command string, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		assert.Positive(t, took)
		if command != "hello" { // a new connection's handshake: when the pool dials is its business
			got = append(got, seen{command, err != nil})
		}
	})
	ctx := context.Background()
	c := st.Client()
	require.NoError(t, c.Set(ctx, "p:k", "v", 0).Err())
	require.ErrorIs(t, c.Get(ctx, "p:missing").Err(), redis.Nil)
	_, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "p:n")
		p.Get(ctx, "p:k")
		return nil
	})
	require.NoError(t, err)
	s.Stop()
	require.Error(t, st.Ping(ctx))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []seen{{"set", false}, {"get", false}, {"pipeline", false}, {"ping", true}}, got)
}
