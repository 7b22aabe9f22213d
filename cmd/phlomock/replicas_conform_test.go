package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// roundRobin is a load balancer in front of rs: each request goes to the
// next replica.
func roundRobin(t *testing.T, rs []*replica) *httptest.Server {
	t.Helper()
	var targets []*url.URL
	for _, r := range rs {
		u, err := url.Parse(r.API)
		require.NoError(t, err)
		targets = append(targets, u)
	}
	var next atomic.Uint64
	lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
	}})
	t.Cleanup(lb.Close)
	return lb
}

// Every built-in scenario's interactions (phlomock conform --scenario
// NAME), sent through a round-robin balancer over 3 replicas on one Redis,
// pass as they do on one process: flaky's two failures are two in all, and
// transfer-flow's call is one call.
func TestReplicasPassBuiltinInteractions(t *testing.T) {
	s := redistest.Start(t)
	rs := startReplicas(t, 3, s.URL(0))
	lb := roundRobin(t, rs)
	for i, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			// Activated on one replica, taken up by all; then a reset on
			// another, so every count and call starts afresh.
			req, err := http.NewRequest("PUT", rs[i%3].Admin+"/__admin/scenarios/active", strings.NewReader(`{"names":["`+name+`"]}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "activate %s", name)
			for _, r := range rs {
				wait.Until(t, followBound, name+" active on "+r.Admin, func() bool { return slices.Equal(r.active(t), []string{name}) })
			}
			resp, err = http.Post(rs[(i+1)%3].Admin+"/__admin/reset?scenarios=keep", "", nil)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)

			code, out, errOut := conform(t, "--target", lb.URL, "--auth-id", mockserver.DefaultAuthID, "--auth-token", mockserver.DefaultAuthToken,
				"--scenario", name, "--live")
			assert.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
			assert.Contains(t, out, "pass "+name+"/")
			assert.NotContains(t, out, "skip "+name+"/", "--live: every interaction runs")
		})
	}
}
