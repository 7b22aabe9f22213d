package mockserver

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
)

// DefaultMaxHeaderBytes is the header limit of LimitHeaderBytes when given 0.
const DefaultMaxHeaderBytes = 64 << 10

// DefaultMaxInFlight is the cap of LimitInFlight when given 0.
const DefaultMaxInFlight = 256

// LimitHeaderBytes answers 431 in the fake's JSON error format to a request
// whose request line and headers take more than max bytes (0:
// DefaultMaxHeaderBytes), before the pipeline reads anything else.
//
// net/http's own limit (http.Server.MaxHeaderBytes) answers in plain text,
// so a server should set it above max (HeaderReadLimit) and let this
// middleware refuse what it can still read: the client gets a JSON error
// naming the limit, and only the most hostile requests meet net/http's.
func LimitHeaderBytes(max int) func(http.Handler) http.Handler {
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := headerBytes(r); n > max {
				w.Header().Set("Connection", "close")
				WriteError(w, http.StatusRequestHeaderFieldsTooLarge,
					fmt.Sprintf("Request headers too large: %d bytes, the limit is %d bytes.", n, max))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// HeaderReadLimit is the http.Server.MaxHeaderBytes that lets
// LimitHeaderBytes(max) see the requests it refuses: four times max.
func HeaderReadLimit(max int) int {
	if max <= 0 {
		max = DefaultMaxHeaderBytes
	}
	return 4 * max
}

// headerBytes counts the request line and headers as they were on the wire
// (close enough: "Name: value\r\n" per value).
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len(r.Host) + len("Host: \r\n")
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// LimitInFlight caps the requests served at once at max (0:
// DefaultMaxInFlight). A request over the cap is not queued: it gets 503 in
// the fake's JSON error format with Retry-After: 1, so a flood of slow
// clients cannot pile up goroutines and memory behind the ones being served.
func LimitInFlight(max int) func(http.Handler) http.Handler {
	if max <= 0 {
		max = DefaultMaxInFlight
	}
	// A counter, not a channel of slots: a channel's send and receive take
	// its lock, which every request of every connection shared.
	var inFlight atomic.Int64
	msg := "Too many requests in flight: the limit is " + strconv.Itoa(max) + "; retry later."
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if inFlight.Add(1) > int64(max) {
				inFlight.Add(-1)
				w.Header().Set("Retry-After", "1")
				WriteError(w, http.StatusServiceUnavailable, msg)
				return
			}
			defer inFlight.Add(-1)
			next.ServeHTTP(w, r)
		})
	}
}
