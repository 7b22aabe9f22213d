package mockserver_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
)

// faultResponder answers by the header X-Fault: a long delay, a panic or a
// dropped connection; it counts the requests that reached it.
type faultResponder struct{ reached atomic.Int64 }

func (f *faultResponder) Respond(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	f.reached.Add(1)
	switch ex.Header.Get("X-Fault") {
	case "delay":
		return &mockserver.Answer{Delay: time.Hour}, true
	case "panic":
		panic("responder bug")
	case "drop":
		return &mockserver.Answer{Drop: true}, true
	}
	return nil, false
}

// TestFaults: clients that leave in the middle, a Responder that panics or
// drops the connection. Each fault is answered or cut cleanly, the server
// keeps serving, the journal records what happened, and no goroutine is
// left behind.
func TestFaults(t *testing.T) {
	noLeaks(t)
	f := &faultResponder{}
	s := newServer(t, mockserver.Options{Store: mockserver.State{Responder: f}})
	ts := hardened(t, s, 0, nil)
	auth := "Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu"
	get := func(fault string) (int, string, error) {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/phlo/P1", nil)
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Fault", fault)
		resp, err := ts.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	healthy := func(tb testing.TB) {
		tb.Helper()
		status, body, err := get("")
		require.NoError(tb, err)
		require.Equalf(tb, http.StatusOK, status, "the next request: %s", body)
	}

	t.Run("client leaves during a delay", func(t *testing.T) {
		before := f.reached.Load()
		ctx, cancel := context.WithCancel(t.Context())
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/phlo/P1", nil)
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Fault", "delay")
		errc := make(chan error, 1)
		go func() {
			resp, err := ts.Client().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		wait.Until(t, 10*time.Second, "the request waits in the delay", func() bool { return f.reached.Load() != before })
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		// The hour-long delay is cut short: the exchange is journaled.
		wait.Until(t, 5*time.Second, "the abandoned exchange is journaled once its delay is cut", func() bool {
			return len(s.Journal().Entries(mockserver.Filter{Path: "/v1/phlo/P1"})) > 0
		})
		healthy(t)
	})
	t.Run("client leaves in the middle of the body", func(t *testing.T) {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		require.NoError(t, err)
		_, err = fmt.Fprintf(conn, "POST /v1/phlo/P1/multi_party_call/N1 HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"action\":", auth)
		require.NoError(t, err)
		require.NoError(t, conn.Close())
		wait.Until(t, 5*time.Second, "the cut exchange is journaled", func() bool {
			return len(s.Journal().Entries(mockserver.Filter{Path: "/v1/phlo/P1/multi_party_call/N1"})) > 0
		})
		entries := s.Journal().Entries(mockserver.Filter{Path: "/v1/phlo/P1/multi_party_call/N1"})
		require.Len(t, entries, 1)
		assert.Equal(t, http.StatusBadRequest, entries[0].Status, "a body cut short is malformed")
		assert.Equal(t, `{"action":`, entries[0].Body, "what arrived is kept")
		healthy(t)
	})
	t.Run("responder panics", func(t *testing.T) {
		status, body, err := get("panic")
		require.NoError(t, err)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Contains(t, body, `"api_id"`)
		assert.Contains(t, body, "responder bug")
		entries := s.Journal().Entries(mockserver.Filter{Status: http.StatusInternalServerError})
		require.Len(t, entries, 1, "the request is in the journal")
		assert.Equal(t, "error", entries[0].Source)
		require.Len(t, entries[0].Violations, 1)
		assert.Equal(t, mockserver.CodeInternal, entries[0].Violations[0].Code)
		assert.Contains(t, string(entries[0].Answer), "responder bug")
		healthy(t)
	})
	t.Run("responder drops the connection", func(t *testing.T) {
		_, _, err := get("drop")
		require.Error(t, err, "no answer")
		assert.False(t, strings.Contains(err.Error(), "timeout"), "got %v, want the connection closed at once", err)
		healthy(t)
	})
}
