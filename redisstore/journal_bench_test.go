package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

// BenchmarkJournalStore is the seed request through the fake with its
// journal in memory, and shared through Redis (a redis-server of its own on
// loopback), serially and from GOMAXPROCS goroutines. The write is off the
// request path, but on the same cores: the timing ends once every entry is
// written (Sync), so ns/op and cpu-ns/op (this process's CPU per request,
// the writer's included) carry the writes. redis-rt/op is round trips to
// Redis per request (a batch is one), dropped/op the entries a full queue
// left out (0 unless Redis cannot keep up).
//
//	go test -run '^$' -bench BenchmarkJournalStore -count 5 ./redisstore
func BenchmarkJournalStore(b *testing.B) {
	s := redistest.Start(b)
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, parallel := range []bool{false, true} {
		for _, store := range []string{"memory", "redis"} {
			name := store
			if parallel {
				name += "-parallel"
			}
			b.Run(name, func(b *testing.B) {
				fake, err := mockserver.New(doc, mockserver.Options{})
				if err != nil {
					b.Fatal(err)
				}
				var j *redisstore.Journal
				var rt atomic.Int64
				if store == "redis" {
					st, err := redisstore.Open(context.Background(), s.URL(0), "bench:")
					if err != nil {
						b.Fatal(err)
					}
					defer st.Close()
					st.Observe(func(string, time.Duration, error) { rt.Add(1) })
					j = redisstore.NewJournal(st, redisstore.JournalOptions{})
					defer j.Close(context.Background())
					fake.Journal().SetStore(j)
				}
				seed(b, fake)
				if j != nil {
					if err := j.Sync(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				rt.Store(0)
				b.ReportAllocs()
				cpu := cpuTime()
				b.ResetTimer()
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							seed(b, fake)
						}
					})
				} else {
					for range b.N {
						seed(b, fake)
					}
				}
				if j != nil {
					if err := j.Sync(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
				if j != nil {
					b.ReportMetric(float64(rt.Load())/float64(b.N), "redis-rt/op")
					b.ReportMetric(float64(j.Dropped())/float64(b.N), "dropped/op")
				}
			})
		}
	}
}

func seed(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1",
		strings.NewReader(`{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14151112222"}`))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkJournalStoreReadFull is what verify reads from a full shared
// journal of 100,000 seed entries: all of them (Journal.EntriesContext:
// 100 XRANGEs of 1,000, each entry decoded), against the same from the ring.
//
//	go test -run '^$' -bench BenchmarkJournalStoreReadFull -benchtime 5x ./redisstore
func BenchmarkJournalStoreReadFull(b *testing.B) {
	const size = 100_000
	s := redistest.Start(b)
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	fake, err := mockserver.New(doc, mockserver.Options{JournalSize: size})
	if err != nil {
		b.Fatal(err)
	}
	st, err := redisstore.Open(context.Background(), s.URL(0), "bench:")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	j := redisstore.NewJournal(st, redisstore.JournalOptions{Size: size})
	defer j.Close(context.Background())
	fake.Journal().SetStore(j)
	for range size {
		seed(b, fake)
	}
	if err := j.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Run("memory", func(b *testing.B) {
		for range b.N {
			if n := len(fake.Journal().Entries(mockserver.Filter{})); n != size {
				b.Fatalf("got %d entries, want %d", n, size)
			}
		}
	})
	b.Run("redis", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			all, err := fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
			if err != nil {
				b.Fatal(err)
			}
			if len(all) != size {
				b.Fatalf("got %d entries, want %d (dropped %d)", len(all), size, j.Dropped())
			}
		}
	})
}
