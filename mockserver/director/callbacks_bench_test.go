package director_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// BenchmarkCallbacksReceiver: the API's cost per action (a call, then a
// hangup, each firing one callback) with no callback target, a receiver
// that answers at once, and a receiver that takes 200 ms per callback. The
// same-run ratio slow/none is the API's latency with a slow receiver:
// callbacks are queued and sent off the request path, so it stays near 1
// (a full queue drops, it never waits).
//
//	go test -run '^$' -bench BenchmarkCallbacksReceiver -count 3 ./mockserver/director/
func BenchmarkCallbacksReceiver(b *testing.B) {
	fast := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer fast.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	for _, tc := range []struct{ name, url string }{{"none", ""}, {"fast", fast.URL}, {"slow", slow.URL}} {
		b.Run(tc.name, func(b *testing.B) {
			h, cb := callbackBenchFake(b, tc.url)
			bodies := []string{`{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`, `{"action":"hangup"}`}
			paths := []string{nodePath, memberPath("+14152224444")}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest("POST", paths[i%2], strings.NewReader(bodies[i%2]))
				req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated {
					b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
				}
				i++
			}
			b.StopTimer()
			st := cb.Stats()
			b.ReportMetric(float64(st.QueueFull), "queue-full")
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_ = cb.Close(ctx)
		})
	}
}

func callbackBenchFake(b *testing.B, url string) (http.Handler, *callbacks.Dispatcher) {
	b.Helper()
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	yaml := transferCallbacks(url, "")
	if url == "" {
		yaml = strings.Replace(yaml, `          callbacks: {url: "", method: POST}`+"\n", "", 1)
	}
	s, err := scenarios.Parse("bench.yaml", []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	cb := callbacks.New(callbacks.Config{Retries: -1, Timeout: time.Second})
	srv, err := fake.New(doc, fake.Config{Callbacks: cb, Active: []*scenarios.Scenario{s}})
	if err != nil {
		b.Fatal(err)
	}
	return srv.API, cb
}
