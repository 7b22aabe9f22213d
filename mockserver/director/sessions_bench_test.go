package director_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
)

// BenchmarkScaleSessions is the seed request in the default session with no
// session live ("small", the fake as before sessions plus the Store's
// header lookup), in the default session with 10,000 live sessions, and in
// one of 10,000 live sessions by its account: a session costs a map lookup,
// whatever their number (bench/run judges each large case against small,
// <= 1.2x).
func BenchmarkScaleSessions(b *testing.B) {
	for _, c := range []struct {
		name    string
		live    int
		session bool
	}{
		{"small", 0, false},
		{"default-sessions-10000", 10_000, false},
		{"session-10000", 10_000, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			fake := serveFakeSessions(b, director.SessionOptions{Max: c.live})
			b.Cleanup(fake.Sessions.Close)
			var last *director.Session
			for range c.live {
				s, err := fake.Sessions.Create(director.CreateOptions{})
				if err != nil {
					b.Fatal(err)
				}
				last = s
			}
			id, token := mockserver.DefaultAuthID, mockserver.DefaultAuthToken
			journal := fake.Journal()
			if c.session {
				id, token, journal = last.AuthID, last.AuthToken, last.Journal()
			}
			path := "/v1/phlo/P1/multi_party_call/N1"
			send := func() {
				req := httptest.NewRequest("POST", path, strings.NewReader(seedBody))
				req.SetBasicAuth(id, token)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				fake.API.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
				}
			}
			send()
			if n := len(journal.Entries(mockserver.Filter{})); n != 1 {
				b.Fatalf("got %d entries in the journal of the request's session, want 1", n)
			}
			b.ReportAllocs()
			for b.Loop() {
				send()
			}
		})
	}
}

// BenchmarkSessionsDefault is the seed request on the Director alone as
// the fake's Store ("without", as before sessions) and on the Sessions in
// front of it with none live ("with", as fake.New builds it): the default session's
// cost, the same-run ratio bench/run judges (<= 1.1x).
func BenchmarkSessionsDefault(b *testing.B) {
	for _, with := range []bool{false, true} {
		b.Run(map[bool]string{false: "without", true: "with"}[with], func(b *testing.B) {
			fake := serveFake(b)
			var h http.Handler = fake.API
			if !with {
				doc, err := openapi.Load()
				if err != nil {
					b.Fatal(err)
				}
				logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
				api, err := mockserver.New(doc, mockserver.Options{Store: fake.Director, Logger: logger})
				if err != nil {
					b.Fatal(err)
				}
				h = api
			}
			b.ReportAllocs()
			for b.Loop() {
				exchange(b, h, "POST", "/v1/phlo/P1/multi_party_call/N1", seedBody, http.StatusCreated)
			}
		})
	}
}
