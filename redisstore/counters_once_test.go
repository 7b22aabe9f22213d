package redisstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
)

// A hit sent twice with one token (go-redis's retry after a read timeout)
// counts once and gets the same answer both times; another token counts.
func TestCounterHitOnce(t *testing.T) {
	r := redistest.Start(t)
	ctx := context.Background()
	s, err := Open(ctx, r.URL(0), "t:")
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	cs := NewCounterStore(s)
	hit := func(token string) int64 {
		t.Helper()
		n, err := hitScript.Run(ctx, s.client, []string{cs.epochKey(), cs.hashPrefix() + "once:" + token, s.gen.key},
			cs.hashPrefix(), "active:x", 0, 60, 5000, s.genKnown()).Int64()
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, int64(1), hit("a"))
	assert.Equal(t, int64(1), hit("a"), "the same hit again")
	assert.Equal(t, int64(2), hit("b"))
	n, err := cs.Counter("active:x").Hit(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
}
