package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sentinels = []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrServerError, ErrInvalidResponse}

func TestErrorShapes(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantIs      error // the one sentinel that must match
		wantAPIID   string
		wantMessage string
	}{
		{"400 JSON", 400, `{"api_id":"e1","error":"to is a mandatory param."}`, ErrBadRequest, "e1", "to is a mandatory param."},
		{"401 JSON", 401, `{"api_id":"e2","error":"Authentication failed"}`, ErrUnauthorized, "e2", "Authentication failed"},
		{"403 JSON", 403, `{"api_id":"e3","error":"PHLO not enabled"}`, ErrForbidden, "e3", "PHLO not enabled"},
		{"404 JSON", 404, `{"api_id":"e4","error":"PHLO not found"}`, ErrNotFound, "e4", "PHLO not found"},
		{"429 JSON", 429, `{"api_id":"e5","error":"too many requests"}`, ErrRateLimited, "e5", "too many requests"},
		{"500 JSON", 500, `{"api_id":"e6","error":"boom"}`, ErrServerError, "e6", "boom"},
		{"503 JSON", 503, `{"api_id":"e7","error":"down"}`, ErrServerError, "e7", "down"},
		{"404 empty body", 404, ``, ErrNotFound, "", "Not Found (empty body)"},
		{"401 blank body", 401, "  \n", ErrUnauthorized, "", "Unauthorized (empty body)"},
		{"404 empty object", 404, `{}`, ErrNotFound, "", `Not Found (no error text in body: "{}")`},
		{"502 HTML", 502, "<html>\n<body>Bad gateway</body></html>", ErrServerError, "", `Bad Gateway (not a JSON object: "<html> <body>Bad gateway</body></html>")`},
		{"500 odd types", 500, `{"api_id":7,"error":null}`, ErrServerError, "", `Internal Server Error (no error text in body: "{\"api_id\":7,\"error\":null}")`},
		{"500 JSON array", 500, `[1]`, ErrServerError, "", `Internal Server Error (not a JSON object: "[1]")`},
		{"405 unknown to the API", 405, `{"api_id":"e8","error":"method not allowed"}`, nil, "e8", "method not allowed"},
		{"499 without status text", 499, ``, nil, "", "status 499 (empty body)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, tt.status, nil, tt.body)
			c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
			res, err := c.Hangup(t.Context(), "P1", "N1", "+1")
			require.Error(t, err)
			assert.Nil(t, res)

			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.wantAPIID, apiErr.APIID)
			assert.Equal(t, tt.wantMessage, apiErr.Message)
			assert.Equal(t, tt.body, string(apiErr.Body))
			for _, s := range sentinels {
				assert.Equal(t, s == tt.wantIs, errors.Is(err, s), "errors.Is(err, %v)", s)
			}
			assert.Contains(t, err.Error(), tt.wantMessage)
		})
	}
}

// A 2xx that is not the JSON object of the operation is an error, never an
// empty success.
func TestInvalidSuccessBody(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `ok`, `{"api_id":`} {
		t.Run(body, func(t *testing.T) {
			srv := newRecorder(t, 201, nil, body)
			c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
			res, err := c.RunPHLO(t.Context(), "P1", nil)
			assert.Nil(t, res)
			require.ErrorIs(t, err, ErrInvalidResponse)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 201, apiErr.StatusCode)
			assert.Equal(t, body, string(apiErr.Body))
			assert.False(t, errors.Is(err, ErrServerError), "a 2xx matched ErrServerError")
		})
	}
}

// A success body without api_id is surfaced as it is: the caller sees an
// empty APIID; the call did succeed.
func TestSuccessWithoutAPIID(t *testing.T) {
	srv := newRecorder(t, 201, nil, `{"error":""}`)
	c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL))
	res, err := c.Hold(t.Context(), "P1", "N1", "+1")
	require.NoError(t, err)
	assert.Equal(t, &ActionResult{}, res)
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := New(testAuthID, testAuthToken, WithBaseURL(url))
	_, err := c.GetPHLO(t.Context(), "P1")
	require.Error(t, err)
	var apiErr *APIError
	assert.False(t, errors.As(err, &apiErr), "a transport error is not an APIError")
	assert.Contains(t, err.Error(), "GetPHLO")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = New(testAuthID, testAuthToken, WithBaseURL(newRecorder(t, 200, nil, phloBody).URL)).GetPHLO(ctx, "P1")
	require.ErrorIs(t, err, context.Canceled)
}

// script answers requests in turn with the given statuses and headers.
func script(tb testing.TB, answers ...func(w http.ResponseWriter)) (*httptest.Server, *int) {
	tb.Helper()
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answers[min(n, len(answers)-1)](w)
		n++
	}))
	tb.Cleanup(srv.Close)
	return srv, &n
}

func answer(status int, retryAfter, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// recordSleeps replaces c's wait between attempts, so that no test waits.
func recordSleeps(c *Client) *[]time.Duration {
	var got []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		got = append(got, d)
		return ctx.Err()
	}
	return &got
}

func TestRetry(t *testing.T) {
	rateLimited := answer(429, "", `{"api_id":"r","error":"slow down"}`)
	ok := answer(201, "", actionBody)
	tests := []struct {
		name       string
		attempts   int
		answers    []func(http.ResponseWriter)
		wantErr    error
		wantSleeps []time.Duration
		wantCalls  int
	}{
		{"off by default", 0, []func(http.ResponseWriter){rateLimited, ok}, ErrRateLimited, nil, 1},
		{"retry-after seconds then backoff", 3,
			[]func(http.ResponseWriter){answer(429, "2", ""), answer(503, "", ""), ok},
			nil, []time.Duration{2 * time.Second, 200 * time.Millisecond}, 3},
		{"gives up after max attempts", 2,
			[]func(http.ResponseWriter){answer(500, "", ""), answer(502, "", "")},
			ErrServerError, []time.Duration{100 * time.Millisecond}, 2},
		{"retry-after capped", 2, []func(http.ResponseWriter){answer(429, "3600", ""), ok},
			nil, []time.Duration{30 * time.Second}, 2},
		{"retry-after in the past", 2,
			[]func(http.ResponseWriter){answer(503, "Mon, 02 Jan 2006 15:04:05 GMT", ""), ok},
			nil, []time.Duration{0}, 2},
		{"retry-after unparsable", 2, []func(http.ResponseWriter){answer(429, "soon", ""), ok},
			nil, []time.Duration{100 * time.Millisecond}, 2},
		{"4xx not retried", 3, []func(http.ResponseWriter){answer(400, "1", ""), ok},
			ErrBadRequest, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := script(t, tt.answers...)
			opts := []Option{WithBaseURL(srv.URL)}
			if tt.attempts > 0 {
				opts = append(opts, WithRetry(tt.attempts))
			}
			c := New(testAuthID, testAuthToken, opts...)
			sleeps := recordSleeps(c)
			_, err := c.Hold(t.Context(), "P1", "N1", "+1")
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantSleeps, *sleeps)
			assert.Equal(t, tt.wantCalls, *calls)
		})
	}
}

func TestRetryHTTPDate(t *testing.T) {
	c := New(testAuthID, testAuthToken)
	d := c.delay(1, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	assert.Equal(t, 30*time.Second, d, "an HTTP date an hour away, capped")
	d = c.delay(1, time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat))
	assert.True(t, d > 5*time.Second && d <= 10*time.Second, "got %v, want about 10s", d)
}

func TestRetryStopsWithContext(t *testing.T) {
	srv, calls := script(t, answer(429, "1", `{"api_id":"r","error":"slow down"}`))
	c := New(testAuthID, testAuthToken, WithBaseURL(srv.URL), WithRetry(5))
	ctx, cancel := context.WithCancel(t.Context())
	c.sleep = func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}
	_, err := c.Hold(ctx, "P1", "N1", "+1")
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, ErrRateLimited, "the last answer is kept")
	assert.Equal(t, 1, *calls)
}

func TestSleepContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, sleepContext(ctx, time.Hour), context.Canceled)
	require.NoError(t, sleepContext(t.Context(), 0))
}

// Whatever the body of an error answer, the client builds an error that
// keeps the status, the body and says something.
func FuzzAPIError(f *testing.F) {
	f.Add(404, []byte(`{"api_id":"e1","error":"PHLO not found"}`))
	f.Add(401, []byte(``))
	f.Add(502, []byte("<html>bad gateway</html>"))
	f.Add(500, []byte(`{"error":null,"api_id":7}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := newAPIError(status, body)
		if e.StatusCode != status || string(e.Body) != string(body) {
			t.Fatalf("got status %d body %q, want %d %q", e.StatusCode, e.Body, status, body)
		}
		if e.Message == "" {
			t.Fatalf("got an empty message for status %d body %q", status, body)
		}
		_ = e.Error()
	})
}
