package mockserver_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/scalegen"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The scale benchmarks (issue 16) hold the per-request cost flat as what
// the fake holds grows: each compares the seed request with a large
// structure to the same request with the small one, in the same run
// (bench/run judges large/small <= 1.2x).

// BenchmarkScaleJournal is the seed request with the default journal
// (1,000 entries, empty at the start) and with a full 100,000-entry one
// (--journal-size 100000, filled with the seed exchange first).
func BenchmarkScaleJournal(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		benchHandler(b, fullJournalServer(b, 0))
	})
	b.Run("full-100000", func(b *testing.B) {
		const size = 100_000
		s := fullJournalServer(b, size)
		for range size {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, seedRequest())
			if rec.Code != 201 {
				b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
			}
		}
		if n := len(s.Journal().Entries(mockserver.Filter{})); n != size {
			b.Fatalf("got %d entries, want %d", n, size)
		}
		benchHandler(b, s)
	})
}

// BenchmarkScaleSpec is the seed request with the embedded contract and
// with a 500-operation spec holding the PHLO operations, parsed as --spec
// parses a file (openapi.Parse).
func BenchmarkScaleSpec(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		doc, err := openapi.Load()
		if err != nil {
			b.Fatal(err)
		}
		benchHandler(b, specServer(b, doc))
	})
	b.Run("ops-500", func(b *testing.B) {
		doc := bigSpec(b, 500)
		if n := len(director.OperationIDs(doc)); n != 500 {
			b.Fatalf("got %d operations, want 500", n)
		}
		benchHandler(b, specServer(b, doc))
	})
}

// specServer is productionServer serving doc.
func specServer(tb testing.TB, doc *openapi3.T) *mockserver.Server {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{Logger: logger}, Accounts: accounts})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Director.ActivateNames(scenarios.Default); err != nil {
		tb.Fatal(err)
	}
	return srv.API
}

// bigSpec is scalegen.Spec(ops) parsed as --spec parses a file
// (openapi.Parse).
func bigSpec(tb testing.TB, ops int) *openapi3.T {
	tb.Helper()
	raw, err := scalegen.Spec(ops)
	if err != nil {
		tb.Fatal(err)
	}
	big, err := openapi.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return big
}
