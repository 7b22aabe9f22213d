package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
)

// BenchmarkServeStore compares the fake serve builds with --store memory
// and with --store redis:// (a redis-server of its own on loopback), in one
// run: the seed's stateless request, the same under flaky once its
// counted rule is used up, and steps of the transfer-flow call, one
// accepted (hold, then unhold, of the customer) and one refused. The
// handler is called in process, without HTTP, and with --log-level warn, so
// that nothing dilutes the store's share. Each redis case reports its round
// trips to Redis per request (redis-rt/op, counted with Store.Observe) and
// logs the commands of one request. cpu-ns/op is this process's user and
// system CPU time per request: the fake's own work, go-redis's included,
// without the time spent waiting for a core on a shared machine or for
// Redis (whose own CPU it leaves out).
//
//	go test -run '^$' -bench BenchmarkServeStore -count 5 ./cmd/phlomock
//
// The target: the seed with redis at least 80% of memory's
// throughput, that is seed/redis at most 1.25x seed/memory's ns/op.
func BenchmarkServeStore(b *testing.B) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PHLOMOCK_") {
			b.Setenv(name, "") // serve's defaults, not this shell's
		}
	}
	redis := redistest.Start(b)
	stores := []struct{ name, url string }{{"memory", "memory"}, {"redis", redis.URL(0)}}

	seed := benchRequest{"POST", "/v1/phlo/P1/multi_party_call/N1", seedBody, http.StatusCreated}
	const flowMember = flowNode + "/members/+14152223333" // the customer, connected
	hold := benchRequest{"POST", flowMember, `{"action":"hold"}`, http.StatusCreated}
	unhold := benchRequest{"POST", flowMember, `{"action":"unhold"}`, http.StatusCreated}
	refused := benchRequest{"POST", flowMember, `{"action":"unhold"}`, http.StatusBadRequest}

	failed := seed
	failed.status = http.StatusInternalServerError

	cases := []struct {
		name     string
		scenario string
		before   []benchRequest // sent once, first
		steps    []benchRequest // sent in turn, one per op
		parallel bool
	}{
		{"seed", "success", nil, []benchRequest{seed}, false},
		{"seed-parallel", "success", nil, []benchRequest{seed}, true},
		// flaky's rule (times: 2, no match) used up: every request still
		// asks its counter.
		{"seed-flaky-used-up", "flaky", []benchRequest{failed, failed}, []benchRequest{seed}, false},
		{"transfer-flow-step", "transfer-flow", nil, []benchRequest{hold, unhold}, false},
		{"transfer-flow-refused", "transfer-flow", nil, []benchRequest{refused}, false},
	}
	// An untimed warm-up, so that the first case measured does not also
	// pay for the process's start (the heap's growth, the GC's pacing).
	warm, _ := benchServeFake(b, "memory", "success")
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		seed.send(b, warm.Handler())
	}
	for _, tc := range cases {
		for _, st := range stores {
			var named sync.Once // RunParallel calls the function once per b.N it tries
			b.Run(tc.name+"/"+st.name, func(b *testing.B) {
				f, rt := benchServeFake(b, st.url, tc.scenario)
				h := f.Handler()
				for _, s := range tc.before {
					s.send(b, h)
				}
				// The steps once outside the timing: the connection's
				// handshake and the scripts' first load are not a
				// request's. Then one step again, to name its commands.
				for _, s := range tc.steps {
					s.send(b, h)
				}
				if rt != nil {
					rt.record(true)
					tc.steps[0].send(b, h)
					names := rt.record(false)
					named.Do(func() {
						b.Logf("%s %s: its round trips to Redis: %s", tc.steps[0].path, tc.steps[0].body, strings.Join(names, ", "))
					})
					if len(tc.steps) == 2 {
						tc.steps[1].send(b, h) // back to the state the loop starts from
					}
					rt.n.Store(0)
				}
				b.ReportAllocs()
				cpu := cpuTime()
				if tc.parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							tc.steps[0].send(b, h)
						}
					})
				} else {
					i := 0
					for b.Loop() {
						tc.steps[i%len(tc.steps)].send(b, h)
						i++
					}
				}
				// The shared journal's queue, written off the request path,
				// is written out: its round trips and CPU count, not its
				// wait.
				b.StopTimer()
				if err := f.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
				if rt != nil {
					b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/op")
				}
			})
		}
	}
}

// benchServeFake is the fake as `phlomock serve --store url --scenario
// name --log-level warn` builds it (c.build: the same wiring), and, for a
// Redis store, its round-trip counter. What serve runs beside the requests
// is not started: the readiness ping (each second) and Director.Follow's
// watch of the shared scenarios (250 ms) are not per request.
func benchServeFake(b *testing.B, url, scenario string) (*fake.Fake, *roundTrips) {
	b.Helper()
	c, err := parseServeFlags([]string{"--store", url, "--store-prefix", "bench:", "--scenario", scenario, "--log-level", "warn"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	logger, _ := newLogger(io.Discard, c.logFormat, c.logLevel)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := c.openStore(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var rt *roundTrips
	if store != nil {
		b.Cleanup(func() { _ = store.Close() })
		if err := store.Client().FlushDB(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		// The flush lost the store's state: a reset starts it over.
		if err := store.ResetCounts(ctx); err != nil {
			b.Fatal(err)
		}
		rt = &roundTrips{}
		store.Observe(rt.observe)
	}
	f, _, _, err := c.build(logger, store, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close(context.Background()) }) // when a Fatal came first
	return f, rt
}

// roundTrips counts the store's round trips (a pipeline is one) and, while
// asked, names them.
type roundTrips struct {
	n     atomic.Int64
	mu    sync.Mutex
	on    bool
	names []string
}

func (r *roundTrips) observe(command string, _ time.Duration, _ error) {
	r.n.Add(1)
	r.mu.Lock()
	if r.on {
		r.names = append(r.names, command)
	}
	r.mu.Unlock()
}

// record starts naming the round trips (on) or stops and returns them.
func (r *roundTrips) record(on bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := r.names
	r.on, r.names = on, nil
	if len(names) == 0 {
		names = []string{"none"}
	}
	return names
}

// A benchRequest is one request of a benchmark and the status it must get.
type benchRequest struct {
	method, path, body string
	status             int
}

func (r benchRequest) send(b *testing.B, h http.Handler) {
	req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != r.status {
		b.Fatalf("%s %s %s: got %d %s, want %d", r.method, r.path, r.body, rec.Code, rec.Body, r.status)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
