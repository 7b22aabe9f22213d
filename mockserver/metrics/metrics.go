package metrics

import (
	"bytes"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// RequestBuckets are the bounds, in seconds, of the request latency
// histogram: the fake answers in tens of microseconds, and a scenario's
// delay adds up to seconds, so Prometheus's default buckets (5 ms and up)
// would put every undelayed answer in the first one.
var RequestBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// StoreBuckets are the bounds, in seconds, of the store latency histogram:
// a Redis on loopback or in the same zone answers in well under a
// millisecond, and the store's timeouts end a round trip within a second
// (redisstore.DialTimeout).
var StoreBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// Metrics are one fake's metrics. New makes them; Observe is the fake's
// mockserver.Observer (Options.Observer); Watch gives them what is read at
// scrape time once the fake is built; Handler serves them.
type Metrics struct {
	requests vec[seriesKey, series]
	latency  vec[string, histogram] // by operation
	storeLat vec[string, histogram] // by command
	storeErr vec[string, atomic.Uint64]
	src      atomic.Pointer[Sources]
}

// New makes the metrics of one fake. Nothing is registered anywhere: the
// counters are the fake's own, and Handler writes them with the Go
// runtime's and the process's figures when scraped.
func New() *Metrics {
	m := &Metrics{}
	m.latency.newT = func() *histogram { return newHistogram(RequestBuckets) }
	m.storeLat.newT = func() *histogram { return newHistogram(StoreBuckets) }
	m.storeErr.newT = func() *atomic.Uint64 { return new(atomic.Uint64) }
	m.requests.newT = func() *series { return new(series) }
	return m
}

// Observe counts and times one exchange: mockserver.Observer.
func (m *Metrics) Observe(e *mockserver.Entry) {
	k := seriesKey{operation: e.OperationID, scenario: e.Scenario, status: e.Status}
	s := m.requests.find(k)
	if s == nil {
		s = m.requests.add(k, func(s *series) { s.latency = m.latency.get(k.operation) })
	}
	s.requests.Add(1)
	s.latency.observe(e.Duration.Seconds())
}

// seriesKey names the series an exchange is counted in.
type seriesKey struct {
	operation, scenario string
	status              int
}

// series are the counter of one seriesKey and the histogram of its
// operation, looked up once per exchange.
type series struct {
	requests atomic.Uint64
	latency  *histogram
}

// ObserveStore counts and times one round trip to the store: a
// redisstore.Observer (Store.Observe(m.ObserveStore)).
func (m *Metrics) ObserveStore(command string, took time.Duration, err error) {
	m.storeLat.get(command).observe(took.Seconds())
	if err != nil {
		m.storeErr.get(command).Add(1)
	}
}

// Sources are what the metrics read when scraped. A nil field is left out.
type Sources struct {
	// Journal is the fake's (mockserver.Server.Journal): its entries and
	// the bytes of body and answer they keep.
	Journal interface {
		Entries(mockserver.Filter) []*mockserver.Entry
	}
	// JournalDropped counts the entries a shared journal dropped because
	// its queue to the store was full (redisstore.Journal.Dropped).
	JournalDropped func() uint64
	// Calls returns the simulated calls (director.Director.Calls).
	Calls func() []multiparty.Snapshot
	// Ready reports readiness as /readyz does (mockserver.Server.Ready).
	Ready func() bool
	// Store names the store in phlomock_store_info: "memory", or the
	// store's URL without its password (redisstore.Store.String). Never a
	// URL with its password: Prometheus keeps labels for weeks.
	Store, StorePrefix string
}

// Watch sets what is read at scrape time. Call it once, before serving
// Handler.
func (m *Metrics) Watch(src Sources) { m.src.Store(&src) }

// Handler serves the metrics in Prometheus's text format (version 0.0.4),
// which every Prometheus and OpenMetrics scraper reads.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var b bytes.Buffer
		m.WriteText(&b)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		w.Write(b.Bytes())
	})
}

// Route is GET /metrics at the root of the control plane's own port (and
// PREFIX/metrics under --admin-prefix), behind the control plane's token
// like every route but the probes and the dashboard's files: a Prometheus
// scrape config sends it (authorization: credentials_file).
func (m *Metrics) Route() mockserver.AdminRoute {
	return mockserver.AdminRoute{Name: "metrics", Method: http.MethodGet, Path: "/metrics", Root: true, Handler: m.Handler()}
}

// A vec is a family's series by label values, found without a lock: the
// map is copied on write, and writes are rare (a label set seen for the
// first time).
type vec[K comparable, T any] struct {
	mu   sync.Mutex // held to add a series
	m    atomic.Pointer[map[K]*T]
	newT func() *T
}

func (v *vec[K, T]) find(k K) *T {
	if p := v.m.Load(); p != nil {
		return (*p)[k]
	}
	return nil
}

func (v *vec[K, T]) get(k K) *T {
	if s := v.find(k); s != nil {
		return s
	}
	return v.add(k, nil)
}

// add makes k's series (init completes it before anyone else sees it),
// unless another goroutine just did.
func (v *vec[K, T]) add(k K, init func(*T)) *T {
	v.mu.Lock()
	defer v.mu.Unlock()
	var old map[K]*T
	if p := v.m.Load(); p != nil {
		old = *p
	}
	if s := old[k]; s != nil {
		return s
	}
	s := v.newT()
	if init != nil {
		init(s)
	}
	next := make(map[K]*T, len(old)+1)
	for k, s := range old {
		next[k] = s
	}
	next[k] = s
	v.m.Store(&next)
	return s
}

// snapshot is the family's series now.
func (v *vec[K, T]) snapshot() map[K]*T {
	if p := v.m.Load(); p != nil {
		return *p
	}
	return nil
}

// A histogram counts observations in cumulative buckets, as Prometheus's
// do: an observation equal to a bound is in that bound's bucket.
type histogram struct {
	bounds  []float64
	counts  []atomic.Uint64 // one per bound, then +Inf; not cumulative
	sumBits atomic.Uint64   // math.Float64bits of the sum
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v)
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
