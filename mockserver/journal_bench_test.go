package mockserver_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// fullJournalServer is productionServer with a journal of size entries.
func fullJournalServer(tb testing.TB, size int) *mockserver.Server {
	tb.Helper()
	doc, err := openapi.Load()
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{Logger: logger, JournalSize: size}, Accounts: accounts})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Director.ActivateNames(scenarios.Default); err != nil {
		tb.Fatal(err)
	}
	return srv.API
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkJournalMemory fills a 100,000-entry journal with the seed
// exchange through the whole fake and reports the live heap it grew by per
// entry (B/entry), and how much of that is the body and answer kept
// (kept-B/entry): the journal's own cost is the difference.
//
//	go test -run '^$' -bench BenchmarkJournalMemory -benchtime 1x ./mockserver
func BenchmarkJournalMemory(b *testing.B) {
	const entries = 100_000
	for b.Loop() {
		s := fullJournalServer(b, entries)
		before := heapInUse()
		for range entries {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, seedRequest())
			if rec.Code != 201 {
				b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
			}
		}
		after := heapInUse()
		got := s.Journal().Entries(mockserver.Filter{})
		if len(got) != entries {
			b.Fatalf("got %d entries, want %d", len(got), entries)
		}
		kept := len(got[0].Body) + len(got[0].Answer)
		b.ReportMetric(float64(after-before)/entries, "B/entry")
		b.ReportMetric(float64(kept), "kept-B/entry")
		b.ReportMetric(float64(after-before)/entries-float64(kept), "overhead-B/entry")
		runtime.KeepAlive(s)
	}
}
