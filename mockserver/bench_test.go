package mockserver_test

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

func seedRequest() *http.Request {
	req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(seedBody))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func benchHandler(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, seedRequest())
		if rec.Code != http.StatusCreated {
			b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
		}
	}
}

// productionServer is the fake exactly as `phlomock serve` builds it by
// default (fake.New): the Director as its Store, with the default
// scenario (success) active, validation and the journal on, no response
// validation, and a logger that filters the per-request line out (the
// level make bench runs serve with: --log-level error).
func productionServer(tb testing.TB) (*mockserver.Server, *director.Director) {
	tb.Helper()
	return productionServerWith(tb, mockserver.Options{})
}

// productionServerWith is productionServer with opts (their Logger is
// productionServer's).
func productionServerWith(tb testing.TB, opts mockserver.Options) (*mockserver.Server, *director.Director) {
	tb.Helper()
	doc, err := openapi.Load()
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	opts.Logger = logger
	srv, err := fake.New(doc, fake.Config{Options: opts, Accounts: accounts})
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Director.ActivateNames(scenarios.Default); err != nil {
		tb.Fatal(err)
	}
	return srv.API, srv.Director
}

// BenchmarkColdTransfer is the seed request through the whole fake, as
// `phlomock serve` runs it (see productionServer).
func BenchmarkColdTransfer(b *testing.B) {
	s, _ := productionServer(b)
	benchHandler(b, s)
	if n := len(s.Journal().Entries(mockserver.Filter{Limit: 1})); n != 1 {
		b.Fatalf("got %d journal entries, want 1: the journal must be on", n)
	}
}

// BenchmarkColdTransferBaseline is the least a fake must do for the same
// request: a bare handler checking Basic auth, decoding the JSON and the
// role, answering a constant.
func BenchmarkColdTransferBaseline(b *testing.B) { benchHandler(b, baselineHandler()) }

// benchParallel is benchHandler from GOMAXPROCS goroutines at once (-cpu
// 2: two), the in-process form of many connections: what the request path
// shares (the journal, the Director, the registry, the limiter, the
// logger) is contended here and not in benchHandler.
func benchParallel(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, seedRequest())
			if rec.Code != http.StatusCreated {
				b.Errorf("got %d %s, want 201", rec.Code, rec.Body)
				return
			}
		}
	})
}

// BenchmarkColdTransferParallel is BenchmarkColdTransfer under b.RunParallel.
func BenchmarkColdTransferParallel(b *testing.B) {
	s, _ := productionServer(b)
	benchParallel(b, s)
	if n := len(s.Journal().Entries(mockserver.Filter{Limit: 1})); n != 1 {
		b.Fatalf("got %d journal entries, want 1: the journal must be on", n)
	}
}

// BenchmarkColdTransferParallelBaseline is the bare handler under b.RunParallel.
func BenchmarkColdTransferParallelBaseline(b *testing.B) { benchParallel(b, baselineHandler()) }

// baselineHandler is the least a fake must do for the seed request.
func baselineHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, tok, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(mockserver.DefaultAuthID)) != 1 ||
			subtle.ConstantTimeCompare([]byte(tok), []byte(mockserver.DefaultAuthToken)) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body struct {
			Action, To, Role, TriggerSource string `json:"-"`
		}
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		body.Role, _ = m["role"].(string)
		if body.Role != "" && body.Role != "agent" && body.Role != "customer" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}` + "\n"))
	})
}
