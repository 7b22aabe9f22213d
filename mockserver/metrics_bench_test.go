package mockserver_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// metricsServer is productionServer with the metrics `phlomock serve`
// wires (serve.go): the fake's Observer, and the scrape-time sources,
// which nobody scrapes here.
func metricsServer(tb testing.TB) (*mockserver.Server, *metrics.Metrics) {
	tb.Helper()
	m := metrics.New()
	s, d := productionServerWith(tb, mockserver.Options{Observer: m})
	m.Watch(metrics.Sources{Journal: s.Journal(), Calls: func() []multiparty.Snapshot { cs, _ := d.Calls(context.Background()); return cs }, Ready: s.Ready, Store: "memory"})
	return s, m
}

// BenchmarkColdTransferMetrics is BenchmarkColdTransfer with metrics: its
// ratio to BenchmarkColdTransfer is what counting costs the data plane.
func BenchmarkColdTransferMetrics(b *testing.B) {
	s, m := metricsServer(b)
	benchHandler(b, s)
	assertCounted(b, m, b.N)
}

// BenchmarkColdTransferParallelMetrics is BenchmarkColdTransferParallel
// with metrics: the counters are shared by the request goroutines.
func BenchmarkColdTransferParallelMetrics(b *testing.B) {
	s, m := metricsServer(b)
	benchParallel(b, s)
	assertCounted(b, m, b.N)
}

// assertCounted fails b unless the metrics counted n seed answers.
func assertCounted(b *testing.B, m *metrics.Metrics, n int) {
	b.Helper()
	var out strings.Builder
	if err := m.WriteText(&out); err != nil {
		b.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(out.String()))
	if err != nil {
		b.Fatal(err)
	}
	if f := fams["phlomock_requests_total"]; f != nil {
		if got := f.GetMetric()[0].GetCounter().GetValue(); got != float64(n) {
			b.Fatalf("got %v requests counted, want %d", got, n)
		}
		return
	}
	b.Fatal("no phlomock_requests_total")
}
