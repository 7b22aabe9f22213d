package director_test

import (
	"context"
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

const seedBody = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

// benchFake is the fake as `phlomock serve --scenario names...` builds it.
func benchFake(b *testing.B, names ...string) http.Handler {
	b.Helper()
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := fake.New(doc, fake.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Director.ActivateNames(names...); err != nil {
		b.Fatal(err)
	}
	return srv.API
}

func benchSeed(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(seedBody))
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
		}
	}
}

// BenchmarkColdTransferScripted is mockserver's BenchmarkColdTransfer with
// the Director in place and the default scenario (success) active: no rule,
// so the Responder costs one atomic load.
func BenchmarkColdTransferScripted(b *testing.B) { benchSeed(b, benchFake(b, "success")) }

// BenchmarkColdTransferScriptedRuleMiss has a rule that does not match the
// request (flaky's rule answers twice, then lets everything through).
func BenchmarkColdTransferScriptedRuleMiss(b *testing.B) {
	h := benchFake(b, "flaky")
	for range 2 { // use up flaky's two failures
		req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	benchSeed(b, h)
}

// BenchmarkRespondNoRule is the Director's state and Responder alone on
// the fast path.
func BenchmarkRespondNoRule(b *testing.B) {
	s, err := scenarios.Builtin("success")
	if err != nil {
		b.Fatal(err)
	}
	d, err := director.New(director.Options{}, s)
	if err != nil {
		b.Fatal(err)
	}
	ex := &mockserver.Exchange{OperationID: "updateMultiPartyCall", Method: "POST", Path: "/v1/phlo/P1/multi_party_call/N1", Header: http.Header{}}
	req := httptest.NewRequest("POST", ex.Path, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		st, _ := d.State(req)
		if _, ok := st.Responder.Respond(ctx, ex); ok {
			b.Fatal("answered")
		}
	}
}

// BenchmarkVerifyFullJournal is one POST /__admin/verify, with body
// criteria, over a full 100,000-entry journal of the seed exchange (issue
// 16's target: at most 50 ms; bench/run reads its ns/op).
//
//	go test -run '^$' -bench BenchmarkVerifyFullJournal -benchtime 10x ./mockserver/director
func BenchmarkVerifyFullJournal(b *testing.B) {
	const entries = 100_000
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{JournalSize: entries}})
	if err != nil {
		b.Fatal(err)
	}
	for range entries {
		req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(seedBody))
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		req.Header.Set("Content-Type", "application/json")
		srv.API.ServeHTTP(httptest.NewRecorder(), req)
	}
	const pattern = `{"operation":"updateMultiPartyCall","body":{"action":"cold_transfer","role":"agent"},"expect":100000}`
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest("POST", "http://localhost/__admin/verify", strings.NewReader(pattern)))
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d %s, want 200", rec.Code, rec.Body)
		}
	}
}
