package certify

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	phlofake "github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

// TestFakeArrangesTroubles sends each case's operation to the fake as a
// client would, and checks the answer on the wire: the arranged status,
// headers and body for the operation, the contract's answer for the reads
// before it and once the next case is arranged. It runs on both stores: in
// the process and in Redis (Runner.Store).
func TestFakeArrangesTroubles(t *testing.T) {
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) {
			var st phlofake.Backend
			var sessions func(string) phlofake.Backend
			if store == "redis" {
				rs := openStore(t, redistest.Start(t), "certify:")
				st, sessions = rs, func(id string) phlofake.Backend { return rs.Session(id) }
			}
			testFakeArrangesTroubles(t, st, sessions)
		})
	}
}

// openStore is a connection to r whose keys start with prefix, closed
// when tb ends.
func openStore(tb testing.TB, r *redistest.Server, prefix string) *redisstore.Store {
	tb.Helper()
	st, err := redisstore.Open(context.Background(), r.URL(0), prefix)
	require.NoError(tb, err)
	tb.Cleanup(func() { st.Close() })
	return st
}

func testFakeArrangesTroubles(t *testing.T, st phlofake.Backend, sessions func(string) phlofake.Backend) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	ff, err := startFake(spec, nil, st, sessions)
	require.NoError(t, err)
	t.Cleanup(ff.close)
	f, err := ff.newLane()
	require.NoError(t, err)
	t.Cleanup(f.close)

	do := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, f.url+path, strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	cold := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	nodePath := "/v1/phlo/" + PhloID + "/multi_party_call/" + NodeID

	tests := []struct {
		trouble     string
		contentType string
		header      string
		body        string
	}{
		{"bad-role", "application/json", "", `"error":"Invalid value provided for role. Allowed values are customer, agent."`},
		{"rate-limited", "application/json", "1", `"error":"Too many requests: retry after 1 second."`},
		{"empty-body", "", "", ""},
		{"not-json", "text/html", "", "<html><body><h1>502 Bad Gateway</h1></body></html>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.trouble, func(t *testing.T) {
			cases, err := Select(Cases(), driver.OpColdTransfer+"/"+tt.trouble)
			require.NoError(t, err)
			require.Len(t, cases, 1)
			c := cases[0]
			_, err = f.arrange(c, time.Second)
			require.NoError(t, err)

			resp, _ := do("GET", nodePath, "")
			assert.Equal(t, 200, resp.StatusCode, "the node read before the action is not arranged")

			resp, body := do("POST", nodePath, cold)
			assert.Equal(t, c.Trouble.Status, resp.StatusCode)
			assert.Equal(t, tt.contentType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tt.header, resp.Header.Get("Retry-After"))
			if strings.HasPrefix(tt.body, `"error"`) {
				assert.Contains(t, body, tt.body)
			} else {
				assert.Equal(t, tt.body, body)
			}
			entries, err := f.journal(true)
			require.NoError(t, err)
			require.Len(t, entries, 2)
			assert.Equal(t, c.ID, entries[1].Rule)
			assert.Equal(t, strings.TrimSuffix(body, "\n"), string(entries[1].Answer), "the journal keeps the answer the client received")
		})
	}
	_, err = f.arrange(Case{ID: "coldTransfer/ok"}, time.Second)
	require.NoError(t, err)
	resp, _ := do("POST", nodePath, cold)
	assert.Equal(t, 201, resp.StatusCode, "arranging the next case removes the trouble")

	// Retry-After as an HTTP date, at least a second ahead.
	cases, err := Select(Cases(), driver.OpColdTransfer+"/rate-limited-date")
	require.NoError(t, err)
	before := time.Now()
	_, err = f.arrange(cases[0], time.Second)
	require.NoError(t, err)
	resp, _ = do("POST", nodePath, cold)
	assert.Equal(t, 429, resp.StatusCode)
	at, err := http.ParseTime(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "an HTTP date: %q", resp.Header.Get("Retry-After"))
	assert.GreaterOrEqual(t, at.Sub(before), RetryAtDelay-time.Second/2)
	assert.True(t, f.retryAt.Equal(at), "the judge's date %s is the one sent, %s", f.retryAt, at)
}
