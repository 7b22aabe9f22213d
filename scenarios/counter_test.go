package scenarios

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedCounter is a Counter two engines share, as replicas share one in
// Redis; asked records the rules it was asked about.
type sharedCounter struct {
	mu    sync.Mutex
	hits  map[int]int64
	asked []int
	err   error
}

func (c *sharedCounter) Hit(_ context.Context, rule int) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, rule)
	if c.err != nil {
		return 0, c.err
	}
	if c.hits == nil {
		c.hits = map[int]int64{}
	}
	c.hits[rule]++
	return c.hits[rule], nil
}

const countedYAML = `version: 1
rules:
  - name: seq
    sequence:
      - {status: 500, times: 2}
      - {status: 503}
      - {status: 201}
    times: 5
  - name: fallback
    respond: 418
`

// Two engines of the same scenarios sharing a Counter answer the sequence
// and times of one engine, alternating.
func TestMatchCountedSharedByTwoEngines(t *testing.T) {
	one := compileYAML(t, countedYAML)
	a, b := compileYAML(t, countedYAML), compileYAML(t, countedYAML)
	c := &sharedCounter{}
	ctx := context.Background()
	for i := range 8 {
		want, wantOK := one.Match(callRequest())
		got, ok, err := []*Engine{a, b}[i%2].MatchCounted(ctx, callRequest(), c)
		require.NoError(t, err)
		require.Equal(t, wantOK, ok, "request %d", i+1)
		assert.Equal(t, fmt.Sprintf("%s:%d", want.RuleName, want.Status), fmt.Sprintf("%s:%d", got.RuleName, got.Status), "request %d", i+1)
	}
	assert.Equal(t, []int{0, 0, 0, 0, 0, 0, 0, 0}, c.asked, "only the counting rule is counted by the Counter")
}

// A rule whose answer does not depend on its hits (one respond, no times)
// costs the Counter nothing; times or a sequence of several steps does.
func TestMatchCountedAsksOnlyCountingRules(t *testing.T) {
	tests := []struct {
		name, rule string
		asked      int
	}{
		{"respond", "respond: 418", 0},
		{"one-step sequence", "sequence: [{status: 418}]", 0},
		{"times", "times: 3\n    respond: 418", 3},
		{"sequence", "sequence: [{status: 500}, {status: 418}]", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := compileYAML(t, "version: 1\nrules:\n  - name: r\n    "+tt.rule+"\n")
			c := &sharedCounter{}
			for range 3 {
				_, ok, err := e.MatchCounted(context.Background(), callRequest(), c)
				require.NoError(t, err)
				require.True(t, ok)
			}
			assert.Len(t, c.asked, tt.asked)
		})
	}
}

// The Counter's error is MatchCounted's, with no answer.
func TestMatchCountedCounterError(t *testing.T) {
	e := compileYAML(t, countedYAML)
	down := errors.New("store down")
	a, ok, err := e.MatchCounted(context.Background(), callRequest(), &sharedCounter{err: down})
	require.ErrorIs(t, err, down)
	assert.False(t, ok)
	assert.Empty(t, a.RuleName)
}

// Closest explains a used-up rule from the counts the Counter gave.
func TestClosestAfterCountedTimes(t *testing.T) {
	e := compileYAML(t, "version: 1\nrules:\n  - name: twice\n    times: 2\n    respond: 500\n")
	c := &sharedCounter{hits: map[int]int64{0: 5}}
	_, ok, err := e.MatchCounted(context.Background(), callRequest(), c)
	require.NoError(t, err)
	require.False(t, ok)
	req := callRequest()
	miss := e.Closest(&req)
	require.NotNil(t, miss)
	assert.Equal(t, []Difference{{Field: "times", Want: "2", Got: "6"}}, miss.Differences)
}
