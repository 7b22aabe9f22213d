package metrics_test

import (
	"testing"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
)

// BenchmarkObserve is what the metrics add to each answered request: the
// request counter and the latency histogram.
func BenchmarkObserve(b *testing.B) {
	m := metrics.New()
	e := &mockserver.Entry{OperationID: "updateMultiPartyCall", Status: 201, Scenario: "bad-role", Duration: 40 * time.Microsecond}
	b.ReportAllocs()
	for b.Loop() {
		m.Observe(e)
	}
}

// BenchmarkObserveParallel is BenchmarkObserve from GOMAXPROCS goroutines
// at once: the series are shared.
func BenchmarkObserveParallel(b *testing.B) {
	m := metrics.New()
	e := &mockserver.Entry{OperationID: "updateMultiPartyCall", Status: 201, Scenario: "bad-role", Duration: 40 * time.Microsecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe(e)
		}
	})
}
