package metrics_test

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// gatherer parses what m writes with Prometheus's own parser, for
// testutil's comparisons: what they see is what a scrape reads.
func gatherer(m *metrics.Metrics) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		var b strings.Builder
		if err := m.WriteText(&b); err != nil {
			return nil, err
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(b.String()))
		if err != nil {
			return nil, err
		}
		out := make([]*dto.MetricFamily, 0, len(fams))
		for _, f := range fams {
			out = append(out, f)
		}
		slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
		return out, nil
	})
}

type journal []*mockserver.Entry

func (j journal) Entries(mockserver.Filter) []*mockserver.Entry { return j }

func TestMetrics(t *testing.T) {
	m := metrics.New()
	ok := &mockserver.Entry{OperationID: "runPhlo", Status: 201, Duration: 3 * time.Millisecond}
	for range 3 {
		m.Observe(ok)
	}
	m.Observe(&mockserver.Entry{OperationID: "runPhlo", Status: 500, Scenario: "flaky", Duration: time.Second})
	m.Observe(&mockserver.Entry{Status: 999}) // outside every table: still counted
	m.ObserveStore("get", time.Millisecond, nil)
	m.ObserveStore("ping", time.Second, errors.New("dial tcp: refused"))
	ready := true
	m.Watch(metrics.Sources{
		Journal:        journal{{Body: "12345", Answer: []byte("abc")}, {BodyBase64: "AAAA"}},
		JournalDropped: func() uint64 { return 7 },
		Calls: func() []multiparty.Snapshot {
			return []multiparty.Snapshot{
				{Members: []multiparty.Member{{State: multiparty.Connected}, {State: multiparty.Disconnected}}},
				{Members: []multiparty.Member{{State: multiparty.Disconnected}}},
				{Transfer: &multiparty.Transfer{}},
			}
		},
		Ready: func() bool { return ready },
		Store: "redis://u:xxxxx@db:6379/0", StorePrefix: "team-a:",
	})
	want := `
# HELP phlomock_requests_total Requests the fake answered, by operation id (empty: no operation matched), status and scenario (empty: the spec answered, no scenario rule).
# TYPE phlomock_requests_total counter
phlomock_requests_total{operation="",scenario="",status="999"} 1
phlomock_requests_total{operation="runPhlo",scenario="",status="201"} 3
phlomock_requests_total{operation="runPhlo",scenario="flaky",status="500"} 1
# HELP phlomock_store_errors_total Round trips to the Redis store that failed (unreachable, timed out, refused), by command. A missing key is not an error.
# TYPE phlomock_store_errors_total counter
phlomock_store_errors_total{command="ping"} 1
# HELP phlomock_journal_entries Exchanges the journal holds now (at most --journal-size).
# TYPE phlomock_journal_entries gauge
phlomock_journal_entries 2
# HELP phlomock_journal_bytes Bytes of request bodies and answers the journal holds now (each at most --journal-body-limit), without headers and bookkeeping.
# TYPE phlomock_journal_bytes gauge
phlomock_journal_bytes 12
# HELP phlomock_journal_dropped_total Journal entries not written to the shared store because the queue to it was full (the store down or slower than the requests): this process's journal still has them.
# TYPE phlomock_journal_dropped_total counter
phlomock_journal_dropped_total 7
# HELP phlomock_calls Simulated multi-party calls the fake holds, by whether someone is on them (live) or everyone left (ended).
# TYPE phlomock_calls gauge
phlomock_calls{state="ended"} 1
phlomock_calls{state="live"} 2
# HELP phlomock_ready 1 when /readyz answers 200, 0 when it answers 503 (shutting down, or the store is unreachable).
# TYPE phlomock_ready gauge
phlomock_ready 1
# HELP phlomock_store_info Where the fake keeps its state: the store's URL without its password, and the key prefix. Always 1.
# TYPE phlomock_store_info gauge
phlomock_store_info{prefix="team-a:",store="redis://u:xxxxx@db:6379/0"} 1
`
	names := []string{"phlomock_requests_total", "phlomock_store_errors_total", "phlomock_journal_entries", "phlomock_journal_bytes", "phlomock_journal_dropped_total", "phlomock_calls", "phlomock_ready", "phlomock_store_info"}
	require.NoError(t, testutil.GatherAndCompare(gatherer(m), strings.NewReader(want), names...))

	// Read when scraped, not when watched.
	ready = false
	n, err := testutil.GatherAndCount(gatherer(m), "phlomock_request_duration_seconds", "phlomock_store_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "histogram series: runPhlo, none; get, ping")
	require.NoError(t, testutil.GatherAndCompare(gatherer(m), strings.NewReader(`
# HELP phlomock_ready 1 when /readyz answers 200, 0 when it answers 503 (shutting down, or the store is unreachable).
# TYPE phlomock_ready gauge
phlomock_ready 0
`), "phlomock_ready"))

	// The route serves the text format.
	rec := httptest.NewRecorder()
	m.Route().Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `phlomock_request_duration_seconds_bucket{operation="runPhlo",le="0.005"} 3`)
}

// A Sources without fields adds nothing but itself.
func TestMetricsNoSources(t *testing.T) {
	m := metrics.New()
	m.Watch(metrics.Sources{})
	n, err := testutil.GatherAndCount(gatherer(m), "phlomock_journal_entries", "phlomock_calls", "phlomock_ready", "phlomock_store_info")
	require.NoError(t, err)
	assert.Zero(t, n)
}

// Label values with quotes, backslashes and line feeds are escaped, an
// observation equal to a bound is in that bound's bucket, the buckets are
// cumulative and +Inf is the count: checked by Prometheus's parser.
func TestMetricsTextFormat(t *testing.T) {
	m := metrics.New()
	odd := "a \"quoted\" \\ back\nline"
	m.Observe(&mockserver.Entry{OperationID: odd, Status: 200, Scenario: odd, Duration: 250 * time.Microsecond})
	m.Observe(&mockserver.Entry{OperationID: odd, Status: 200, Scenario: odd, Duration: time.Minute})
	m.Watch(metrics.Sources{Store: odd})
	require.NoError(t, testutil.GatherAndCompare(gatherer(m), strings.NewReader(`
# HELP phlomock_requests_total Requests the fake answered, by operation id (empty: no operation matched), status and scenario (empty: the spec answered, no scenario rule).
# TYPE phlomock_requests_total counter
phlomock_requests_total{operation="a \"quoted\" \\ back\nline",scenario="a \"quoted\" \\ back\nline",status="200"} 2
`), "phlomock_requests_total"))
	fams, err := gatherer(m).Gather()
	require.NoError(t, err)
	i := slices.IndexFunc(fams, func(f *dto.MetricFamily) bool { return f.GetName() == "phlomock_request_duration_seconds" })
	require.GreaterOrEqual(t, i, 0)
	h := fams[i].GetMetric()[0].GetHistogram()
	assert.Equal(t, odd, fams[i].GetMetric()[0].GetLabel()[0].GetValue())
	assert.Equal(t, uint64(2), h.GetSampleCount())
	assert.InDelta(t, 60.00025, h.GetSampleSum(), 1e-9)
	for _, b := range h.GetBucket() {
		want := uint64(1) // the 250 us answer, from its own bound up to 30 s
		switch {
		case b.GetUpperBound() < 0.00025:
			want = 0
		case math.IsInf(b.GetUpperBound(), 1):
			want = 2 // and the minute
		}
		assert.Equalf(t, want, b.GetCumulativeCount(), "le=%v", b.GetUpperBound())
	}
	assert.Contains(t, fams[len(fams)-1].GetName(), "process_", "the process's figures are written too")
}

// Observe from many goroutines while scraping: every exchange is counted
// once (go test -race checks the rest).
func TestMetricsConcurrent(t *testing.T) {
	m := metrics.New()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				m.Observe(&mockserver.Entry{OperationID: "op", Status: 200 + i%3, Scenario: strconv.Itoa(g % 2), Duration: time.Millisecond})
				m.ObserveStore("get", time.Millisecond, nil)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			_, err := gatherer(m).Gather()
			assert.NoError(t, err)
		}
	})
	wg.Wait()
	n, err := testutil.GatherAndCount(gatherer(m), "phlomock_requests_total")
	require.NoError(t, err)
	assert.Equal(t, 6, n, "3 statuses x 2 scenarios")
	fams, err := gatherer(m).Gather()
	require.NoError(t, err)
	var total, hist uint64
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			switch f.GetName() {
			case "phlomock_requests_total":
				total += uint64(s.GetCounter().GetValue())
			case "phlomock_request_duration_seconds", "phlomock_store_duration_seconds":
				hist += s.GetHistogram().GetSampleCount()
			}
		}
	}
	assert.Equal(t, uint64(8*500), total)
	assert.Equal(t, uint64(2*8*500), hist)
}
