package director_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
	"github.com/phlomock/phlomock/scenarios"
)

// A store says where the fakes of a test keep their state: each call
// starts one more fake (one more replica) on it, as faketest.NewServer.
type store func(tb testing.TB, cfg fake.Config, scenarios ...string) *faketest.Server

// onStores runs f once per store: in memory, and in a real Redis
// (internal/redistest), where the fakes of one run share everything serve
// keeps there (fake.Config.Backend: their rule counts, scenarios,
// calls and journal) as replicas do.
func onStores(t *testing.T, f func(t *testing.T, on store)) {
	t.Run("memory", func(t *testing.T) {
		f(t, func(tb testing.TB, cfg fake.Config, names ...string) *faketest.Server {
			tb.Helper()
			return faketest.NewServer(tb, cfg, names...)
		})
	})
	t.Run("redis", func(t *testing.T) { f(t, onRedis(redistest.Start(t))) })
}

// onRedis is the store of fakes on r.
func onRedis(r *redistest.Server) store {
	return func(tb testing.TB, cfg fake.Config, names ...string) *faketest.Server {
		tb.Helper()
		cfg.Backend = openStore(tb, r)
		return faketest.NewServer(tb, cfg, names...)
	}
}

// openStore is one more connection to r, as a replica has.
func openStore(tb testing.TB, r *redistest.Server) *redisstore.Store {
	tb.Helper()
	st, err := redisstore.Open(context.Background(), r.URL(0), "t:")
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	return st
}

const twiceYAML = `version: 1
name: twice
rules:
  - name: fail-twice
    match: {operation: getPhlo}
    times: 2
    respond: 500
  - name: steps
    match: {operation: getMultiPartyCall}
    sequence:
      - {status: 500}
      - {status: 503}
      - {status: 429}
  - name: plain
    match: {operation: updateMember}
    respond: 418
`

// twice is a Config with twiceYAML active.
func twice(tb testing.TB) fake.Config {
	tb.Helper()
	sc, err := scenarios.Check("twice.yaml", []byte(twiceYAML), nil)
	require.NoError(tb, err)
	return fake.Config{Active: []*scenarios.Scenario{sc}}
}

// replicas are n fakes of twiceYAML on one store.
func replicas(t *testing.T, on store, n int) []*faketest.Server {
	t.Helper()
	var out []*faketest.Server
	for range n {
		out = append(out, on(t, twice(t)))
	}
	return out
}

// statuses sends n requests at once, spread round-robin over fakes, and
// counts the answers by status.
func statuses(t *testing.T, fakes []*faketest.Server, n int, path string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		s := fakes[i%len(fakes)]
		wg.Go(func() {
			req, err := http.NewRequest("GET", s.URL+path, nil)
			if !assert.NoError(t, err) {
				return
			}
			res, err := s.Client().Do(req)
			if !assert.NoError(t, err) {
				return
			}
			res.Body.Close()
			mu.Lock()
			got[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

// With the counters in Redis, `times: 2` is two answers from two fakes
// together under concurrent requests, and a sequence advances across
// both; in memory each fake counts its own.
func TestCountersSharedByTwoFakes(t *testing.T) {
	t.Run("memory: each its own", func(t *testing.T) {
		fakes := []*faketest.Server{
			faketest.NewServer(t, twice(t)),
			faketest.NewServer(t, twice(t)),
		}
		assert.Equal(t, map[int]int{500: 4, 200: 36}, statuses(t, fakes, 40, phloPath))
	})
	t.Run("redis: one fake", func(t *testing.T) {
		fakes := replicas(t, onRedis(redistest.Start(t)), 2)
		assert.Equal(t, map[int]int{500: 2, 200: 38}, statuses(t, fakes, 40, phloPath), "times: 2 in all")

		var seq []int
		for i := range 5 {
			seq = append(seq, send(t, fakes[i%2], "GET", nodePath, nil).status)
		}
		assert.Equal(t, []int{500, 503, 429, 429, 429}, seq, "the sequence advances across both")

		require.NoError(t, fakes[0].Director.Reset(context.Background()))
		assert.Equal(t, 500, send(t, fakes[1], "GET", nodePath, nil).status, "reset on one restarts the other's sequence")
		assert.Equal(t, 500, send(t, fakes[1], "GET", phloPath, nil).status, "and its times")
		assert.Equal(t, map[int]int{500: 1, 200: 9}, statuses(t, fakes, 10, phloPath))
	})
}

// Activating a set (in Go, or by an upload through the control plane)
// starts its counts from zero for every replica; a resume (a replica
// starting beside others) keeps them.
func TestCountersActivateClearsResumeKeeps(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		fakes := replicas(t, on, 2)
		ss := fakes[0].Director.ActiveScenarios()
		for range 3 {
			send(t, fakes[0], "GET", nodePath, nil)
		}
		require.NoError(t, fakes[1].Director.Resume(ss...))
		assert.Equal(t, 429, send(t, fakes[0], "GET", nodePath, nil).status, "resume keeps the counts")
		require.NoError(t, fakes[1].Director.Activate(ss...))
		require.NoError(t, fakes[0].Director.Activate(ss...))
		assert.Equal(t, 500, send(t, fakes[0], "GET", nodePath, nil).status, "activate starts from zero")
		assert.Equal(t, 503, send(t, fakes[0], "GET", nodePath, nil).status)

		require.Equal(t, 201, admin(t, fakes[1], "POST", "/__admin/scenarios", "application/yaml", twiceYAML, nil))
		require.NoError(t, fakes[0].Director.Resume(ss...))
		assert.Equal(t, 500, send(t, fakes[0], "GET", nodePath, nil).status, "an upload that activates starts from zero")
	})
}

// The built-in flaky, named per request (X-Phlomock-Scenario), fails
// twice in all across two fakes on one Redis.
func TestCountersNamedScenarioShared(t *testing.T) {
	r := redistest.Start(t)
	var fakes []*faketest.Server
	for range 2 {
		fakes = append(fakes, faketest.NewServer(t, fake.Config{Backend: openStore(t, r)}))
	}
	var got []int
	for i := range 4 {
		got = append(got, send(t, fakes[i%2], "GET", phloPath, nil, "X-Phlomock-Scenario", "flaky").status)
	}
	assert.Equal(t, []int{500, 500, 200, 200}, got)
}

// With Redis lost, a request a counting rule matches answers 503 naming
// the store; one no counting rule matches needs no store and answers as
// usual; the control plane's reset answers 503 and resets nothing.
func TestCountersStoreDown(t *testing.T) {
	r := redistest.Start(t)
	cfg := twice(t)
	cfg.Backend = openStore(t, r)
	s := faketest.NewServer(t, cfg)
	require.Equal(t, 500, send(t, s, "GET", phloPath, nil).status)
	r.Stop()
	got := send(t, s, "GET", phloPath, nil)
	require.Equal(t, http.StatusServiceUnavailable, got.status, got.raw)
	assert.Contains(t, got.body["error"], "store redis://"+r.Addr)
	assert.NotEmpty(t, got.body["api_id"])
	assert.Equal(t, 418, send(t, s, "POST", memberPath("+14152223333"), hold).status, "a rule that does not count needs no store")
	assert.Equal(t, 201, send(t, s, "POST", nodePath, call).status, "nor does the contract")

	var e map[string]any
	assert.Equal(t, http.StatusServiceUnavailable, admin(t, s, "POST", "/__admin/reset", "", "", &e))
	assert.Contains(t, fmt.Sprint(e["error"]), "store redis://"+r.Addr)

	// Back without its data: the counts were lost, and the counting rule
	// answers 503 naming the loss rather than count from zero unnoticed,
	// until a reset starts over (docs/store.md).
	r.Restart()
	got = send(t, s, "GET", phloPath, nil)
	assert.Equal(t, http.StatusServiceUnavailable, got.status, got.raw)
	assert.Contains(t, got.body["error"], "lost its state")
	assert.Equal(t, http.StatusOK, admin(t, s, "POST", "/__admin/reset", "", "", &e))
	assert.Equal(t, 500, send(t, s, "GET", phloPath, nil).status, "after the reset, the counts start over")
}

// BenchmarkCountedRule is BenchmarkColdTransferScriptedRuleMiss (flaky
// active, its two failures used up, so its counting rule is hit and falls
// through on every request) with the counts in memory and in a real Redis
// on loopback (fake.Config.Backend, as serve --store: the journal is
// written there too, off the request path): the redis case is the cost of
// one hit's round trip.
func BenchmarkCountedRule(b *testing.B) {
	doc, err := openapi.Load()
	require.NoError(b, err)
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			var cfg fake.Config
			if name == "redis" {
				cfg.Backend = openStore(b, redistest.Start(b))
			}
			f, err := fake.New(doc, cfg)
			require.NoError(b, err)
			b.Cleanup(func() { _ = f.Close(context.Background()) })
			require.NoError(b, f.Director.ActivateNames("flaky"))
			for range 2 { // use up flaky's two failures
				req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
				req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
				f.API.ServeHTTP(httptest.NewRecorder(), req)
			}
			benchSeed(b, f.API)
		})
	}
}
