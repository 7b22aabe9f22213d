package proxy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

// heldStore holds the fake's side of every exchange until release closes.
type heldStore struct{ release chan struct{} }

func (s heldStore) State(*http.Request) (mockserver.State, error) {
	<-s.release
	return mockserver.State{}, nil
}

// An exchange is checked and filed before the application has the end of
// its answer, streamed (chunked) or not: an application that reads its
// answer and then asks the control plane (GET /__admin/drift, journal,
// verify) finds that exchange there, never one behind. The fake's side is
// held here: the application's answer must wait for it.
func TestCheckedBeforeAnswered(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","phlo_id":"P1","name":"n","created_on":"2020-08-01 09:05:11.846982+00:00"}`)
			if chunked {
				w.(http.Flusher).Flush()
			}
		}))
		defer target.Close()
		release := make(chan struct{})
		f := newFront(t, target.URL, mockserver.Options{Store: heldStore{release}}, nil)
		done := make(chan reply, 1)
		go func() { done <- call(t, f.URL, "GET", "/v1/phlo/P1", "") }()
		select {
		case got := <-done:
			t.Fatalf("chunked=%v: the application read its answer (%d) before the exchange was checked", chunked, got.status)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		require.Equal(t, 200, (<-done).status)
		// No waiting: the exchange is filed.
		resp, err := http.Get(f.AdminURL + "/__admin/drift")
		require.NoError(t, err)
		var rep map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
		resp.Body.Close()
		assert.EqualValues(t, 1, rep["exchanges"], "chunked=%v", chunked)
	}
}
