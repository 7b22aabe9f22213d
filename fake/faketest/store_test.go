package faketest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/redisstore"
)

// commands counts the store's round trips by command.
type commands struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commands) observe(cmd string, _ time.Duration, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[cmd]++
}

func (c *commands) count(cmd string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[cmd]
}

// Two fakes WithStore on one Redis are one fake: a flaky rule fails twice
// in all, and the journal one reads holds what the other answered. The
// store's commands show the counts, the scenarios and the journal went
// through Redis.
func TestWithStoreSharesEverything(t *testing.T) {
	r := redistest.Start(t)
	seen := &commands{n: map[string]int{}}
	open := func() *redisstore.Store {
		st, err := redisstore.Open(context.Background(), r.URL(0), "t:")
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		st.Observe(seen.observe)
		return st
	}
	a := faketest.NewServer(t, fake.Config{Backend: open()}, "flaky")
	b := faketest.NewServer(t, fake.Config{Backend: open()})
	require.Equal(t, []string{"flaky"}, a.Director.Active())

	var got []int
	for i := range 4 {
		s := []*faketest.Server{a, b}[i%2]
		req, err := http.NewRequest("GET", s.URL+"/v1/phlo/P1", nil)
		require.NoError(t, err)
		req.Header.Set("X-Phlomock-Scenario", "flaky")
		resp, err := s.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{500, 500, 200, 200}, got, "flaky fails twice in all")

	a.Close() // writes its journal's queue
	entries, err := b.Fake.Journal().EntriesContext(t.Context(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Len(t, entries, 4, "b reads a's entries and its own")
	assert.Len(t, b.Journal(mockserver.Filter{}), 2, "b's own ring: its own requests")
	// The flaky hits and the activation are scripts, b's read an XRANGE.
	assert.GreaterOrEqual(t, seen.count("evalsha")+seen.count("eval"), 5, "scripts sent to Redis")
	assert.Positive(t, seen.count("xrange"), "the journal read from Redis")
}
