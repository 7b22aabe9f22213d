package mockserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/phlomock/phlomock/openapi"
)

// The steps of the pipeline, one benchmark each, on the seed request (cold
// transfer). BenchmarkColdTransfer (bench_test.go) is all of them together.

const benchSeedBody = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

func benchServer(b *testing.B) *Server {
	b.Helper()
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(doc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchSeedRequest() *http.Request {
	r := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", nil)
	r.SetBasicAuth(DefaultAuthID, DefaultAuthToken)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func BenchmarkRoute(b *testing.B) {
	s := benchServer(b)
	r := benchSeedRequest()
	b.ReportAllocs()
	for b.Loop() {
		if op, _, err := s.match(r); op == nil || err != nil {
			b.Fatalf("got %v, %v", op, err)
		}
	}
}

func BenchmarkAuth(b *testing.B) {
	r := benchSeedRequest()
	b.ReportAllocs()
	for b.Loop() {
		id, token, _ := r.BasicAuth()
		if !checkCredentials(defaultAccounts, id, token) {
			b.Fatal("refused")
		}
	}
}

func benchDecode(b *testing.B, body string) {
	s := benchServer(b)
	r := benchSeedRequest()
	op, _, _ := s.match(r)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, vs := decodeBody(op.body, body); len(vs) > 0 {
			b.Fatalf("got %v", vs)
		}
	}
}

// BenchmarkValidate is the seed body through the fast path.
func BenchmarkValidate(b *testing.B) { benchDecode(b, benchSeedBody) }

// BenchmarkValidateGeneric is the same body with one escaped character,
// which the fast path leaves to encoding/json and kin-openapi.
func BenchmarkValidateGeneric(b *testing.B) {
	benchDecode(b, `{"action":"cold_transfer","to":"+1415222555\u0035","role":"agent","trigger_source":"+14152223333"}`)
}

func BenchmarkAnswer(b *testing.B) {
	s := benchServer(b)
	r := benchSeedRequest()
	op, params, _ := s.match(r)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.defaultAnswer(openWorld{}, op, params, []byte(NewAPIID()))
	}
}

func BenchmarkRedactHeader(b *testing.B) {
	h := benchSeedRequest().Header
	b.ReportAllocs()
	for b.Loop() {
		_ = redactHeader(h)
	}
}
