package mockserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Defaults of BodyFirst.
const (
	// DefaultMinBodyRate is the bytes a second a body must keep arriving
	// at, on average, once DefaultBodyGrace has passed.
	DefaultMinBodyRate = 1024
	// DefaultBodyGrace is how long any body may take, whatever its rate:
	// a PHLO body (under 1 KiB) arrives in one packet.
	DefaultBodyGrace = 5 * time.Second
)

// BodyLimits bound how a request body may arrive (BodyFirst). Its zero
// value is the defaults.
type BodyLimits struct {
	// MinRate is the bytes a second a body must arrive at, on average,
	// after Grace: a body of n bytes may take Grace + n/MinRate. 0:
	// DefaultMinBodyRate.
	MinRate int64
	// Grace: 0 is DefaultBodyGrace.
	Grace time.Duration
	// MaxBytes is the largest body read (the request keeps its own
	// 413 for more). 0: DefaultMaxBodyBytes.
	MaxBytes int64
	// Budget bounds the bytes of all the bodies being read at once, so
	// that many fast large bodies cannot take more memory than the
	// requests in flight would (503 above). 0: DefaultMaxInFlight times
	// MaxBytes.
	Budget int64
}

// BodyFirst reads a request's body before the request goes on to next,
// where LimitInFlight takes its slot: a client trickling its body holds a
// connection, not one of the slots every other client needs. The body must
// arrive at l.MinRate after l.Grace, else the request gets 408 (the
// fake's JSON error) and its connection is closed. The body, up to
// l.MaxBytes plus one byte, is then the request's, read from memory.
func BodyFirst(l BodyLimits) func(http.Handler) http.Handler {
	if l.MinRate <= 0 {
		l.MinRate = DefaultMinBodyRate
	}
	if l.Grace <= 0 {
		l.Grace = DefaultBodyGrace
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBodyBytes
	}
	if l.Budget <= 0 {
		l.Budget = DefaultMaxInFlight * l.MaxBytes
	}
	var held atomic.Int64 // bytes of the bodies being read
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
				next.ServeHTTP(w, r)
				return
			}
			b := &rateBody{body: r.Body, rc: http.NewResponseController(w), start: time.Now(), limits: l, held: &held, size: r.ContentLength}
			raw, err := b.readAll()
			held.Add(-int64(len(raw)))
			b.rc.SetReadDeadline(time.Time{})
			switch {
			case errors.Is(err, errBodyBudget):
				w.Header().Set("Connection", "close")
				w.Header().Set("Retry-After", "1")
				WriteError(w, http.StatusServiceUnavailable, "Too many request bodies being received at once; retry later.")
				return
			case errors.Is(err, os.ErrDeadlineExceeded):
				w.Header().Set("Connection", "close")
				WriteError(w, http.StatusRequestTimeout, fmt.Sprintf("Request body too slow: %d bytes arrived in %s; a body must arrive within %s plus 1 second per %d bytes.",
					len(raw), time.Since(b.start).Round(time.Millisecond), l.Grace, l.MinRate))
				return
			case err != nil:
				// The pipeline reports a body it cannot read (400).
				r.Body = &arrivedBody{data: raw, err: err}
			default:
				r.Body = &arrivedBody{data: raw}
			}
			next.ServeHTTP(w, r)
		})
	}
}

var errBodyBudget = errors.New("request bodies over their budget")

// rateBody reads a body with a read deadline that moves with what has
// arrived: start + grace + arrived/rate.
type rateBody struct {
	body   io.Reader
	rc     *http.ResponseController
	start  time.Time
	limits BodyLimits
	held   *atomic.Int64
	size   int64 // the Content-Length, -1 unknown
}

// firstBuffer is the buffer a body of unknown length is read into first.
const firstBuffer = 512

func (b *rateBody) readAll() ([]byte, error) {
	l := b.limits
	// A body of known length gets a buffer of its size, and one byte to see
	// its end without growing: the 512 bytes given to every body were a
	// sixth of what a request allocated (issue 31).
	n := int64(firstBuffer)
	if b.size >= 0 && b.size < n {
		n = b.size + 1
	}
	buf := make([]byte, 0, n)
	for int64(len(buf)) <= l.MaxBytes {
		deadline := b.start.Add(l.Grace + time.Duration(float64(len(buf))/float64(l.MinRate)*float64(time.Second)))
		if err := b.rc.SetReadDeadline(deadline); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):min(cap(buf), int(l.MaxBytes)+1)]
		n, err := b.body.Read(room)
		buf = buf[:len(buf)+n]
		if b.held.Add(int64(n)) > l.Budget {
			return buf, errBodyBudget
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || time.Now().After(deadline) {
				return buf, os.ErrDeadlineExceeded
			}
			return buf, err
		}
	}
	return buf, nil
}

// An arrivedBody is a body BodyFirst has read: the pipeline takes its
// bytes without a copy (readBody in body.go).
type arrivedBody struct {
	data []byte
	off  int
	err  error // after data: the reading's error
}

func (b *arrivedBody) Read(p []byte) (int, error) {
	if b.off >= len(b.data) {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

func (b *arrivedBody) Close() error { return nil }
