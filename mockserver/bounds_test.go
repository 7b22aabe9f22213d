package mockserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Each bound of a hardened server holds against a client that tries to go
// past it. The timeouts are short here; the margins (a client that would
// need 50 times the timeout to finish) make the tests independent of the
// machine's speed.

const getPhlo = "GET /v1/phlo/P1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu\r\n"

// noLeaks fails tb if goroutines started during the test are still running
// after its cleanups (servers closed last-in first-out before this runs).
func noLeaks(tb testing.TB) {
	tb.Helper()
	opt := goleak.IgnoreCurrent()
	tb.Cleanup(func() { goleak.VerifyNone(tb, opt) })
}

// trickle writes s one byte every pause until the server closes the
// connection, and returns how many bytes it wrote.
func trickle(tb testing.TB, conn net.Conn, s string, pause time.Duration) int {
	tb.Helper()
	closed := make(chan struct{})
	go func() {
		// The server closes (or answers and closes): reading ends.
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	for i := range len(s) {
		select {
		case <-closed:
			return i
		case <-time.After(pause):
		}
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return i
		}
	}
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
	}
	return len(s)
}

func TestBoundSlowlorisHeaders(t *testing.T) {
	noLeaks(t)
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, func(s *http.Server) { s.ReadHeaderTimeout = 100 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	// 250 bytes at one every 20 ms: 5 s, fifty times the timeout.
	headers := getPhlo + strings.Repeat("X-Slow: loris\r\n", 16) + "\r\n"
	sent := trickle(t, conn, headers, 20*time.Millisecond)
	assert.Less(t, sent, len(headers), "got all %d header bytes sent, want the server to close the connection first", sent)
}

func TestBoundSlowBody(t *testing.T) {
	noLeaks(t)
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, func(s *http.Server) { s.ReadTimeout = 150 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	body := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}` + strings.Repeat(" ", 200)
	_, err = io.WriteString(conn, strings.Replace(getPhlo, "GET /v1/phlo/P1", "POST /v1/phlo/P1/multi_party_call/N1", 1)+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n")
	require.NoError(t, err)
	sent := trickle(t, conn, body, 20*time.Millisecond)
	assert.Less(t, sent, len(body), "got the whole body of %d bytes read, want the server to stop waiting first", sent)
}

func TestBoundIdle(t *testing.T) {
	noLeaks(t)
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, func(s *http.Server) { s.IdleTimeout = 100 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, getPhlo+"\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.False(t, resp.Close, "the connection is kept alive after the answer")
	// Idle now: the server closes the connection, long before this deadline.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = br.ReadByte()
	var ne net.Error
	require.Falsef(t, errors.As(err, &ne) && ne.Timeout(), "got %v: the idle connection is still open after 100 times the idle timeout", err)
	assert.ErrorIs(t, err, io.EOF)
}

func TestBoundHeaderBytes(t *testing.T) {
	ts := hardened(t, newServer(t, mockserver.Options{}), 0, nil)
	for _, c := range []struct {
		size int
		want int
	}{{1000, 200}, {mockserver.DefaultMaxHeaderBytes - 1000, 200}, {mockserver.DefaultMaxHeaderBytes + 1, 431}, {200_000, 431}} {
		req, err := http.NewRequest("GET", ts.URL+"/v1/phlo/P1", nil)
		require.NoError(t, err)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		req.Header.Set("X-Pad", strings.Repeat("p", c.size))
		resp, err := ts.Client().Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equalf(t, c.want, resp.StatusCode, "header of %d bytes: got %d %s, want %d", c.size, resp.StatusCode, body, c.want)
	}
}

// blocker is a Responder that holds every request until released.
type blocker struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blocker) Respond(ctx context.Context, _ *mockserver.Exchange) (*mockserver.Answer, bool) {
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil, false
}

func TestBoundInFlight(t *testing.T) {
	noLeaks(t)
	b := &blocker{entered: make(chan struct{}), release: make(chan struct{})}
	ts := hardened(t, newServer(t, mockserver.Options{Store: mockserver.State{Responder: b}}), 2, nil)
	get := func() (int, http.Header, []byte) {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/phlo/P1", nil)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		resp, err := ts.Client().Do(req)
		if err != nil {
			return -1, nil, []byte(err.Error())
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, body
	}
	var wg sync.WaitGroup
	held := make([]int, 2)
	for i := range held {
		wg.Go(func() { held[i], _, _ = get() })
		<-b.entered // in the handler, holding a slot
	}
	status, hdr, body := get()
	assert.Equalf(t, http.StatusServiceUnavailable, status, "got %d %s, want 503 over the cap", status, body)
	assert.Equal(t, "1", hdr.Get("Retry-After"))
	assert.Contains(t, string(body), "the limit is 2")
	close(b.release)
	wg.Wait()
	assert.Equal(t, []int{200, 200}, held, "the requests in flight finish")
	go func() {
		for range b.entered {
		}
	}()
	status, _, body = get()
	assert.Equalf(t, http.StatusOK, status, "got %d %s, want 200 once the slots are free", status, body)
	ts.Close()
	close(b.entered)
}

func TestBoundJournal(t *testing.T) {
	s := newServer(t, mockserver.Options{JournalSize: 10})
	for range 105 {
		do(t, s, "GET", "/v1/phlo/P1", "", "", "")
	}
	entries := s.Journal().Entries(mockserver.Filter{})
	require.Len(t, entries, 10)
	assert.Equal(t, uint64(96), entries[0].Seq, "the oldest kept")
	assert.Equal(t, uint64(105), entries[9].Seq, "the latest")
}

// TestBoundCalls: under a stateful scenario every new PHLO and node id in a
// path creates a call (100,000 ids held about 55 MiB). The call model keeps
// at most multiparty.DefaultMaxCalls of them besides the seeded ones: a new call
// forgets the least recently used one nobody is on, or, when someone is on
// each (every request here adds a member), is refused with a 400 naming the
// bound, and the calls in use are kept.
func TestBoundCalls(t *testing.T) {
	const maxCalls = multiparty.DefaultMaxCalls
	sc, err := scenarios.Builtin("transfer-flow")
	require.NoError(t, err)
	d, err := director.New(director.Options{}, sc)
	require.NoError(t, err)
	seeded, err := d.Calls(t.Context())
	require.NoError(t, err)
	require.Len(t, seeded, 1)
	s := newServer(t, mockserver.Options{Store: d, JournalSize: 10})
	const call = `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`
	post := func(path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	statuses := map[int]int{}
	var last *httptest.ResponseRecorder
	for i := range maxCalls + 1000 {
		last = post(fmt.Sprintf("/v1/phlo/P%d/multi_party_call/N%d", i, i), call)
		statuses[last.Code]++
	}
	calls, err := d.Calls(t.Context())
	require.NoError(t, err)
	assert.Equal(t, maxCalls+1, len(calls), "calls kept (the seeded one included)")
	assert.Equal(t, map[int]int{201: maxCalls, 400: 1000}, statuses, "requests by status")
	assert.Contains(t, last.Body.String(), "too many calls: the fake keeps 10000 calls")
	assert.Contains(t, calls, seeded[0], "the seeded call is kept")
	hangup := post("/v1/phlo/P0/multi_party_call/N0/members/+14152223333", `{"action":"hangup"}`)
	assert.Equalf(t, 201, hangup.Code, "got %s, want the first call, in use, kept", hangup.Body)
}

// TestBoundJournalBytes: the journal keeps JournalSize entries, and of each
// body (up to MaxBodyBytes, and again in base64 when it is not UTF-8) only
// the first JournalBodyLimit bytes, saying how long it was: with the
// defaults a client could otherwise make it hold about 1000 x 2.3 MiB.
func TestBoundJournalBytes(t *testing.T) {
	const entries = 20
	// Per entry: the body's first bytes, their base64 (4/3) and the answer,
	// with room; without the bound it is 20 x 2.3 MiB.
	const budget = entries * (mockserver.DefaultJournalBodyLimit*7/3 + 4<<10)
	s := newServer(t, mockserver.Options{JournalSize: entries})
	body := strings.Repeat("\xff", mockserver.DefaultMaxBodyBytes-1)
	for range entries {
		req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(body))
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	kept := 0
	got := s.Journal().Entries(mockserver.Filter{})
	require.Len(t, got, entries)
	for _, e := range got {
		kept += len(e.Body) + len(e.BodyBase64) + len(e.Answer)
	}
	assert.LessOrEqualf(t, kept, budget, "got %d bytes of bodies kept for %d entries, want at most %d", kept, entries, budget)
	e := got[0]
	assert.True(t, e.BodyTruncated, "got body_truncated false, want true")
	assert.Equal(t, len(body), e.BodySize, "body_size: the length as sent")
	assert.Equalf(t, mockserver.DefaultJournalBodyLimit, len(e.Body), "bytes of the body kept")
	assert.Truef(t, strings.HasPrefix(body, e.Body), "got a body that is not the first bytes of the one sent")
}
