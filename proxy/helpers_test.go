package proxy_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/proxy"
)

// A front is a proxy in front of a target, served on loopback, with the
// fake's control plane.
type front struct {
	URL, AdminURL string
	Proxy         *proxy.Proxy
	Fake          *mockserver.Server
	logs          *syncbuf.Buffer
}

// newFront starts a proxy to target; set changes its options.
func newFront(tb testing.TB, target string, fakeOpts mockserver.Options, set func(*proxy.Options)) *front {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	fake, err := mockserver.New(doc, fakeOpts)
	require.NoError(tb, err)
	u, err := url.Parse(target)
	require.NoError(tb, err)
	logs := &syncbuf.Buffer{}
	o := proxy.Options{Target: u, Fake: fake, Spec: doc, ActionStatus: fakeOpts.ActionStatus, StrictIDs: fakeOpts.StrictIDs,
		Timeout: 500 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if set != nil {
		set(&o)
	}
	p, err := proxy.New(o)
	require.NoError(tb, err)
	api := httptest.NewServer(p)
	admin := httptest.NewServer(fake.AdminHandler(p.AdminRoutes(proxy.RecordOptions{}, nil)...))
	tb.Cleanup(func() { api.Close(); admin.Close() })
	return &front{URL: api.URL, AdminURL: admin.URL, Proxy: p, Fake: fake, logs: logs}
}

type reply struct {
	status int
	header http.Header
	raw    []byte
}

// call sends one request with the default account; body "" sends none.
func call(tb testing.TB, base, method, path, body string) reply {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(tb, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return reply{resp.StatusCode, resp.Header, raw}
}

// report waits for n exchanges to be checked, and returns the report.
func (f *front) report(tb testing.TB, n int) *proxy.Report {
	tb.Helper()
	var r *proxy.Report
	wait.UntilNil(tb, 5*time.Second, "exchanges checked", func() error {
		if r = f.Proxy.Report(); r.Exchanges < n {
			return fmt.Errorf("got %d, want %d", r.Exchanges, n)
		}
		return nil
	})
	require.Equalf(tb, n, r.Exchanges, "exchanges checked")
	return r
}

func decodeJSON(tb testing.TB, raw []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoErrorf(tb, json.Unmarshal(raw, &m), "body %q", raw)
	return m
}

func mustSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	return doc
}
