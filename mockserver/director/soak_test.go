package director_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// soakScenario marks every answer it gives with its name (header X-Set),
// and declares an account of its own: a request that its account let in
// and the other scenario answered saw half of a switch.
func soakScenario(name string) string {
	return fmt.Sprintf(`version: 1
name: %[1]s
world:
  accounts: [{auth_id: MA%[1]s, auth_token: token-%[1]s}]
rules:
  - name: mark-get
    match: {operation: getPhlo}
    respond: {status: 200, headers: {X-Set: %[1]s}}
  - name: mark-member
    match: {operation: updateMember}
    respond: {status: 201, headers: {X-Set: %[1]s}}
`, name)
}

// A soakRequest is one kind of request the soak test sends, and what must
// come back.
type soakRequest struct {
	name, method, path, body, auth string
	want                           []int
	marked                         bool // a valid answer carries X-Set
}

// TestSoak sends PHLOMOCK_SOAK requests (default 10000; the figure
// is 200000) from 8 clients over loopback, a mix of valid and invalid ones,
// while the control plane switches the active scenario back and forth and
// uploads broken ones. Every answer must be the expected one, no answer may
// come from half a switch, and memory and goroutines must end where they
// started. Run the full one with
//
//	PHLOMOCK_SOAK=200000 go test -run TestSoak -v ./mockserver/director
func TestSoak(t *testing.T) {
	total := 10000
	if v := os.Getenv("PHLOMOCK_SOAK"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, "PHLOMOCK_SOAK")
		total = n
	}
	if testing.Short() {
		total = 1000
	}
	noLeaks(t)

	doc, err := openapi.Load()
	require.NoError(t, err)
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{MaxBodyBytes: 4096}})
	require.NoError(t, err)
	api := hardened(t, srv.API, 64)
	admin := httptest.NewServer(srv.AdminHandler())
	t.Cleanup(admin.Close)

	basic := func(id, tok string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+tok)) }
	def := basic(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	member := "/v1/phlo/P1/multi_party_call/N1/members/+14152223333"
	kinds := []soakRequest{
		{name: "get", method: "GET", path: "/v1/phlo/P1", auth: def, want: []int{200}, marked: true},
		{name: "hold", method: "POST", path: member, body: `{"action":"hold"}`, auth: def, want: []int{201}, marked: true},
		{name: "run", method: "POST", path: "/v1/account/MAPHLOMOCKDEFAULT001/phlo/P1", body: `{"x":1}`, auth: def, want: []int{201}},
		{name: "get with the scenario's account", method: "GET", path: "/v1/phlo/P1", auth: basic("MAsoak-a", "token-soak-a"), want: []int{200, 401}, marked: true},
		{name: "malformed", method: "POST", path: member, body: `{"action":`, auth: def, want: []int{400}},
		{name: "duplicate key", method: "POST", path: member, body: `{"action":"hold","action":"hold"}`, auth: def, want: []int{400}},
		{name: "not UTF-8", method: "POST", path: member, body: "{\"action\":\"\xff\"}", auth: def, want: []int{400}},
		{name: "array", method: "POST", path: member, body: `[{"action":"hold"}]`, auth: def, want: []int{400}},
		{name: "too large", method: "POST", path: member, body: `{"action":"` + strings.Repeat("a", 8192) + `"}`, auth: def, want: []int{413}},
		{name: "wrong token", method: "GET", path: "/v1/phlo/P1", auth: basic(mockserver.DefaultAuthID, "nope"), want: []int{401}},
		{name: "unknown path", method: "GET", path: "/v1/nothing", auth: def, want: []int{404}},
		{name: "NUL id", method: "GET", path: "/v1/phlo/%00", auth: def, want: []int{404}},
	}

	// The scenario switches: soak-a and soak-b in turn, and a broken file
	// every third upload (400, nothing changed).
	upload := func(body string) int {
		resp, err := admin.Client().Post(admin.URL+"/__admin/scenarios", "application/yaml", strings.NewReader(body))
		if err != nil {
			return -1
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusCreated, upload(soakScenario("soak-a")))

	runtime.GC()
	startGoroutines, startHeap, startRSS := runtime.NumGoroutine(), heapInuse(), rss()

	var (
		next                      atomic.Int64
		statuses                  sync.Map // "kind status" -> *atomic.Int64
		unexpected, halves, fails atomic.Int64
		firstBad                  atomic.Value
		switches, badUploads      atomic.Int64
		done                      = make(chan struct{})
	)
	count := func(key string) {
		v, _ := statuses.LoadOrStore(key, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	var switcher sync.WaitGroup
	switcher.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			switch {
			case i%3 == 2:
				if got := upload("version: 1\nname: broken\nrules: [{respond: {status: 99}}]\n"); got != http.StatusBadRequest {
					unexpected.Add(1)
					firstBad.CompareAndSwap(nil, fmt.Sprintf("broken upload: got %d, want 400", got))
				}
				badUploads.Add(1)
			default:
				name := []string{"soak-a", "soak-b"}[i%2]
				if got := upload(soakScenario(name)); got != http.StatusCreated {
					unexpected.Add(1)
					firstBad.CompareAndSwap(nil, fmt.Sprintf("upload %s: got %d, want 201", name, got))
				}
				switches.Add(1)
			}
		}
	})

	client := api.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 8
	// drive sends requests from 8 clients until upTo have been sent.
	drive := func(upTo int64) {
		var workers sync.WaitGroup
		for range 8 {
			workers.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= upTo {
						return
					}
					k := kinds[i%int64(len(kinds))]
					req, _ := http.NewRequest(k.method, api.URL+k.path, strings.NewReader(k.body))
					if k.body == "" {
						req.Body, req.ContentLength = http.NoBody, 0
					} else {
						req.Header.Set("Content-Type", "application/json")
					}
					req.Header.Set("Authorization", k.auth)
					resp, err := client.Do(req)
					if err != nil {
						fails.Add(1)
						firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: %v", k.name, err))
						continue
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					count(fmt.Sprintf("%d %s", resp.StatusCode, k.name))
					if !slices.Contains(k.want, resp.StatusCode) || !bytes.Contains(body, []byte(`"api_id"`)) {
						unexpected.Add(1)
						firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: got %d %s, want one of %v", k.name, resp.StatusCode, body, k.want))
						continue
					}
					if k.marked && resp.StatusCode < 300 {
						set := resp.Header.Get("X-Set")
						// soak-a's account let this request in: soak-a must answer.
						wantSet := k.auth != def && set != "soak-a"
						if set != "soak-a" && set != "soak-b" || wantSet {
							halves.Add(1)
							firstBad.CompareAndSwap(nil, fmt.Sprintf("%s: got X-Set %q (half of a switch)", k.name, set))
						}
					}
				}
			})
		}
		workers.Wait()
	}
	// Warm up until the journal is full and the pools are sized, so that
	// what follows shows growth, not the first fill.
	warm := min(int64(total), 5000)
	drive(warm)
	runtime.GC()
	warmHeap, warmRSS := heapInuse(), rss()
	next.Store(warm)
	drive(int64(total))
	close(done)
	switcher.Wait()
	client.CloseIdleConnections()
	// The server's connection goroutines end as the closes reach them.
	endGoroutines := runtime.NumGoroutine()
	for i := 0; i < 500 && endGoroutines > startGoroutines; i++ {
		time.Sleep(10 * time.Millisecond)
		endGoroutines = runtime.NumGoroutine()
	}
	runtime.GC()
	endHeap, endRSS := heapInuse(), rss()

	var lines []string
	statuses.Range(func(k, v any) bool {
		lines = append(lines, fmt.Sprintf("%s: %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(lines)
	t.Logf("soak: %d requests, %d scenario switches, %d broken uploads; %d unexpected answers, %d half-switch answers, %d transport errors",
		total, switches.Load(), badUploads.Load(), unexpected.Load(), halves.Load(), fails.Load())
	t.Logf("soak: answers by status and kind:\n  %s", strings.Join(lines, "\n  "))
	t.Logf("soak: RSS %s at the start, %s after %d requests, %s at the end; heap in use %s, %s, %s; goroutines %d at the start, %d at the end",
		mib(startRSS), mib(warmRSS), warm, mib(endRSS), mib(startHeap), mib(warmHeap), mib(endHeap), startGoroutines, endGoroutines)

	if v := firstBad.Load(); v != nil {
		t.Errorf("first bad answer: %s", v)
	}
	assert.Zero(t, fails.Load(), "transport errors")
	assert.Zero(t, unexpected.Load(), "unexpected answers")
	assert.Zero(t, halves.Load(), "answers from half of a scenario switch")
	assert.Positive(t, switches.Load(), "scenario switches during the run")
	// Flat memory: the journal and connection pools are bounded, so the
	// heap ends within a fixed margin of where it began, whatever the count.
	assert.Lessf(t, endHeap, warmHeap+32<<20, "heap in use grew from %s to %s after the warm-up", mib(warmHeap), mib(endHeap))
	// No goroutine left behind. Fewer at the end is no leak: the count at the
	// start may hold one still ending (the upload's connection, on a loaded
	// machine: 8 at the start, 7 at the end).
	assert.LessOrEqualf(t, endGoroutines, startGoroutines, "goroutines: %d at the start, %d at the end", startGoroutines, endGoroutines)
}

// hardened serves h as `phlomock serve` does: bounded in-flight requests
// and header bytes, read and idle timeouts.
func hardened(tb testing.TB, h http.Handler, maxInFlight int) *httptest.Server {
	tb.Helper()
	h = mockserver.LimitInFlight(maxInFlight)(mockserver.LimitHeaderBytes(0)(h))
	ts := httptest.NewUnstartedServer(h)
	ts.Config.MaxHeaderBytes = mockserver.HeaderReadLimit(0)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Config.IdleTimeout = 30 * time.Second
	ts.Start()
	tb.Cleanup(ts.Close)
	return ts
}

// noLeaks fails tb if a goroutine started during the test outlives it.
func noLeaks(tb testing.TB) {
	tb.Helper()
	opt := goleak.IgnoreCurrent()
	tb.Cleanup(func() { goleak.VerifyNone(tb, opt) })
}

func heapInuse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// rss is the process's resident set (VmRSS of /proc/self/status), 0 where
// there is no /proc.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
