package metrics

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/mpc"
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
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	storeLatency *prometheus.HistogramVec
	storeErrors  *prometheus.CounterVec
	mu           sync.Mutex // held to add to series
	series       atomic.Pointer[map[seriesKey]*series]
}

// New makes the metrics of one fake, on a registry of their own with the
// Go runtime's and the process's collectors (memory, CPU, file
// descriptors).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phlomock_requests_total",
			Help: "Requests the fake answered, by operation id (empty: no operation matched), status and scenario (empty: the spec answered, no scenario rule).",
		}, []string{"operation", "status", "scenario"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "phlomock_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer being written, scenario delays included, by operation id.",
			Buckets: RequestBuckets,
		}, []string{"operation"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "phlomock_store_duration_seconds",
			Help:    "Round trips to the Redis store, by command (pipeline: a pipeline or transaction sent at once), errors included.",
			Buckets: StoreBuckets,
		}, []string{"command"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phlomock_store_errors_total",
			Help: "Round trips to the Redis store that failed (unreachable, timed out, refused), by command. A missing key is not an error.",
		}, []string{"command"}),
	}
	m.series.Store(&map[seriesKey]*series{})
	m.reg.MustRegister(m.requests, m.latency, m.storeLatency, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe counts and times one exchange: mockserver.Observer.
func (m *Metrics) Observe(e *mockserver.Entry) {
	k := seriesKey{operation: e.OperationID, scenario: e.Scenario, status: e.Status}
	s := (*m.series.Load())[k]
	if s == nil {
		s = m.newSeries(k)
	}
	s.requests.Inc()
	s.latency.Observe(e.Duration.Seconds())
}

// seriesKey names the series an exchange is counted in.
type seriesKey struct {
	operation, scenario string
	status              int
}

// series are the counter and histogram of one seriesKey, looked up once:
// WithLabelValues hashes and validates its labels on every call, which
// took two thirds of Observe's time (BenchmarkObserve).
type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// newSeries adds k's series to the ones Observe finds without a lock: the
// map is copied on write, and writes are rare (a label set seen for the
// first time).
func (m *Metrics) newSeries(k seriesKey) *series {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if s := old[k]; s != nil {
		return s
	}
	status := strconv.Itoa(k.status)
	s := &series{requests: m.requests.WithLabelValues(k.operation, status, k.scenario), latency: m.latency.WithLabelValues(k.operation)}
	next := make(map[seriesKey]*series, len(old)+1)
	maps.Copy(next, old)
	next[k] = s
	m.series.Store(&next)
	return s
}

// ObserveStore counts and times one round trip to the store: a
// redisstore.Observer (Store.Observe(m.ObserveStore)).
func (m *Metrics) ObserveStore(command string, took time.Duration, err error) {
	m.storeLatency.WithLabelValues(command).Observe(took.Seconds())
	if err != nil {
		m.storeErrors.WithLabelValues(command).Inc()
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
	// Calls returns the simulated calls (scripted.Director.Calls).
	Calls func() []mpc.Snapshot
	// Ready reports readiness as /readyz does (mockserver.Server.Ready).
	Ready func() bool
	// Store names the store in phlomock_store_info: "memory", or the
	// store's URL without its password (redisstore.Store.String). Never a
	// URL with its password: Prometheus keeps labels for weeks.
	Store, StorePrefix string
}

// Watch registers what is read at scrape time. Call it once, before
// serving Handler.
func (m *Metrics) Watch(src Sources) {
	m.reg.MustRegister(&scrape{src: src})
	if src.Store != "" {
		info := prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        "phlomock_store_info",
			Help:        "Where the fake keeps its state: the store's URL without its password, and the key prefix. Always 1.",
			ConstLabels: prometheus.Labels{"store": src.Store, "prefix": src.StorePrefix},
		})
		info.Set(1)
		m.reg.MustRegister(info)
	}
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics
// when the scraper asks for it). An error gathering one metric is served
// with the others, not instead of them.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true})
}

// Gatherer is the metrics' registry, for tests and for serving them
// another way.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Route is GET /metrics at the root of the control plane's own port (and
// PREFIX/metrics under --admin-prefix), behind the control plane's token
// like every route but the probes and the dashboard's files: a Prometheus
// scrape config sends it (authorization: credentials_file).
func (m *Metrics) Route() mockserver.AdminRoute {
	return mockserver.AdminRoute{Name: "metrics", Method: http.MethodGet, Path: "/metrics", Root: true, Handler: m.Handler()}
}

var (
	journalEntriesDesc = prometheus.NewDesc("phlomock_journal_entries", "Exchanges the journal holds now (at most --journal-size).", nil, nil)
	journalBytesDesc   = prometheus.NewDesc("phlomock_journal_bytes", "Bytes of request bodies and answers the journal holds now (each at most --journal-body-limit), without headers and bookkeeping.", nil, nil)
	callsDesc          = prometheus.NewDesc("phlomock_calls", "Simulated multi-party calls the fake holds, by whether someone is on them (live) or everyone left (ended).", []string{"state"}, nil)
	journalDroppedDesc = prometheus.NewDesc("phlomock_journal_dropped_total", "Journal entries not written to the shared store because the queue to it was full (the store down or slower than the requests): this process's journal still has them.", nil, nil)
	readyDesc          = prometheus.NewDesc("phlomock_ready", "1 when /readyz answers 200, 0 when it answers 503 (shutting down, or the store is unreachable).", nil, nil)
)

// scrape reads the Sources when Prometheus scrapes, and only then.
type scrape struct{ src Sources }

func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	if s.src.Journal != nil {
		ch <- journalEntriesDesc
		ch <- journalBytesDesc
	}
	if s.src.JournalDropped != nil {
		ch <- journalDroppedDesc
	}
	if s.src.Calls != nil {
		ch <- callsDesc
	}
	if s.src.Ready != nil {
		ch <- readyDesc
	}
}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	if s.src.Journal != nil {
		entries := s.src.Journal.Entries(mockserver.Filter{})
		var bytes int
		for _, e := range entries {
			bytes += len(e.Body) + len(e.BodyBase64) + len(e.Answer)
		}
		ch <- prometheus.MustNewConstMetric(journalEntriesDesc, prometheus.GaugeValue, float64(len(entries)))
		ch <- prometheus.MustNewConstMetric(journalBytesDesc, prometheus.GaugeValue, float64(bytes))
	}
	if s.src.JournalDropped != nil {
		ch <- prometheus.MustNewConstMetric(journalDroppedDesc, prometheus.CounterValue, float64(s.src.JournalDropped()))
	}
	if s.src.Calls != nil {
		var live, ended int
		for _, c := range s.src.Calls() {
			if isLive(c) {
				live++
			} else {
				ended++
			}
		}
		ch <- prometheus.MustNewConstMetric(callsDesc, prometheus.GaugeValue, float64(live), "live")
		ch <- prometheus.MustNewConstMetric(callsDesc, prometheus.GaugeValue, float64(ended), "ended")
	}
	if s.src.Ready != nil {
		v := 0.0
		if s.src.Ready() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, v)
	}
}

// isLive: someone is on the call, or a warm transfer is pending.
func isLive(c mpc.Snapshot) bool {
	if c.Transfer != nil {
		return true
	}
	for _, m := range c.Members {
		if m.State != mpc.Disconnected {
			return true
		}
	}
	return false
}
