package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/proxy"
)

// BenchmarkProxy is the pair the proxy's cost is judged by, in one run:
// the same node action through a bare httputil.ReverseProxy and through
// the proxy, to the same target (phlomock), over loopback and in-process
// (the target's handler called by the transport, without the network's
// noise), and the fake's own in-process cost for that exchange. The
// proxy's extra cost per exchange (proxy - bare) is to stay within 2x the
// fake's (BENCHMARKS.md). No logger on either side, as in the fake's.
//
//	go test -run '^$' -bench BenchmarkProxy -benchtime 2000x -count 5 ./proxy/
func BenchmarkProxy(b *testing.B) {
	target := faketest.NewServer(b, fake.Config{})
	u, err := url.Parse(target.URL)
	if err != nil {
		b.Fatal(err)
	}
	quiet := func(o *proxy.Options) { o.Logger = nil }
	direct := handlerTransport{target.Fake.API}

	// The bare proxies get a buffer pool like the proxy's: without one,
	// each copy allocates 32 KiB, which is not what is being compared.
	bare := httputil.NewSingleHostReverseProxy(u)
	bare.BufferPool = &testPool{}
	bareLoop := httptest.NewServer(bare)
	defer bareLoop.Close()
	bareInProc := httputil.NewSingleHostReverseProxy(u)
	bareInProc.BufferPool = &testPool{}
	bareInProc.Transport = direct
	loop := newFront(b, target.URL, mockserver.Options{}, quiet)
	inProc := newFront(b, target.URL, mockserver.Options{}, func(o *proxy.Options) { quiet(o); o.Transport = direct })
	fake, err := mockserver.New(mustSpec(b), mockserver.Options{})
	if err != nil {
		b.Fatal(err)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	overLoopback := func(b *testing.B, base string) {
		defer cpuPerOp(b)()
		for b.Loop() {
			resp, err := client.Do(nodeAction(base))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	inProcess := func(b *testing.B, h http.Handler) {
		defer cpuPerOp(b)()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, nodeAction(""))
			if w.Code != 201 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	}
	noDrift := func(b *testing.B, f *front) {
		if rep := f.Proxy.Report(); rep.Drifted != 0 || rep.Violating != 0 {
			b.Fatalf("against phlomock: drift %+v, violations %+v", rep.Drift, rep.Violations)
		}
	}
	b.Run("loopback/bare-reverseproxy", func(b *testing.B) { overLoopback(b, bareLoop.URL) })
	b.Run("loopback/phlomock-proxy", func(b *testing.B) { overLoopback(b, loop.URL); noDrift(b, loop) })
	b.Run("in-process/bare-reverseproxy", func(b *testing.B) { inProcess(b, bareInProc) })
	b.Run("in-process/phlomock-proxy", func(b *testing.B) { inProcess(b, inProc.Proxy); noDrift(b, inProc) })
	b.Run("fake-in-process", func(b *testing.B) { inProcess(b, fake) })
}

func nodeAction(base string) *http.Request {
	if base == "" {
		base = "http://phlomock.test"
	}
	req, _ := http.NewRequest("POST", base+nodePath, strings.NewReader(callBody))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// handlerTransport answers a request with a handler, in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	resp := w.Result()
	resp.Body = io.NopCloser(bytes.NewReader(w.Body.Bytes()))
	resp.Request = r
	return resp, nil
}

// cpuPerOp reports the process's CPU time (user and system) per operation
// as cpu-ns/op, when the returned func is called: on a shared machine the
// wall time per operation holds the time spent waiting for a core, the
// CPU time does not. Every side of the exchange runs in this process.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type testPool struct{ p sync.Pool }

func (t *testPool) Get() []byte {
	if b, ok := t.p.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (t *testPool) Put(b []byte) { t.p.Put(&b) }
