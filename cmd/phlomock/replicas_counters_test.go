package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
)

// countedScenario has a rule with times and one with a sequence: their
// answers depend on how many requests all replicas together have seen.
const countedScenario = `version: 1
name: counted
rules:
  - name: fail-five
    match: {operation: getPhlo}
    times: 5
    respond: 500
  - name: steps
    match: {operation: getMultiPartyCall}
    sequence:
      - {status: 500, times: 3}
      - {status: 503, times: 2}
      - {status: 429}
`

// statusCounts sends n GETs of path at once, spread round-robin over rs,
// and counts the answers by status.
func statusCounts(t *testing.T, rs []*replica, n int, path string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		r := rs[i%len(rs)]
		wg.Go(func() {
			req, err := http.NewRequest("GET", r.API+path, nil)
			if !assert.NoError(t, err) {
				return
			}
			req.Header.Set("Authorization", r.Auth)
			resp, err := http.DefaultClient.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			resp.Body.Close()
			mu.Lock()
			got[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

// Three replicas started with the same --scenario file on one Redis answer
// concurrent requests sent round-robin with exactly the statuses one
// memory-store process gives: `times: 5` is five answers in all and the
// sequence's steps are used once across them; a reset on one replica
// restarts every replica's counts.
func TestReplicasShareCounters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counted.yaml")
	require.NoError(t, os.WriteFile(file, []byte(countedScenario), 0o600))
	s := redistest.Start(t)
	one := startReplicas(t, 1, "memory", "--scenario", file)
	rs := startReplicas(t, 3, s.URL(0), "--scenario", file)
	const n = 30
	tests := []struct {
		name, path string
		want       map[int]int
	}{
		{"times", "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c", map[int]int{500: 5, 200: n - 5}},
		{"sequence", flowNode, map[int]int{500: 3, 503: 2, 429: n - 5}},
	}
	check := func(when string) {
		t.Helper()
		for _, tt := range tests {
			require.Equal(t, tt.want, statusCounts(t, one, n, tt.path), "%s %s: one process", when, tt.name)
			assert.Equal(t, tt.want, statusCounts(t, rs, n, tt.path), "%s %s: %d requests over 3 replicas", when, tt.name, n)
		}
	}
	check("at start")
	for _, r := range []*replica{one[0], rs[1]} {
		resp, err := http.Post(r.Admin+"/__admin/reset", "", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	check("after a reset on one replica")

	// Redis lost: a request a counting rule matches answers 503 naming the
	// store on every replica; one no rule matches needs no store.
	s.Stop()
	for i, r := range rs {
		req, err := http.NewRequest("GET", r.API+tests[0].path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", r.Auth)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body struct{ Error string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "replica %d", i)
		assert.Contains(t, body.Error, "store redis://"+s.Addr, "replica %d", i)
		status, _ := r.send(t, flowStep{flowNode, `{"action":"call","to":"+14155550100","role":"agent","trigger_source":"+14155550101"}`})
		assert.Equal(t, http.StatusCreated, status, "replica %d: no rule, no store", i)
	}
	s.Restart()
	for _, r := range rs {
		r.waitReady(t, http.StatusOK)
	}
	// Redis came back EMPTY: the counts were lost, and a counting rule
	// answers 503 naming the loss on every replica rather than count from
	// zero unnoticed (docs/store.md); a reset starts over, and the counts
	// are one process's again.
	for i, r := range rs {
		req, err := http.NewRequest("GET", r.API+tests[0].path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", r.Auth)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body struct{ Error string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "replica %d", i)
		assert.Contains(t, body.Error, "lost its state", "replica %d", i)
	}
	resp, err := http.Post(rs[2].Admin+"/__admin/reset", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, tt := range tests {
		assert.Equal(t, tt.want, statusCounts(t, rs, n, tt.path), "after the empty restart and a reset: %s", tt.name)
	}
}
