package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/wait"
)

// seedBody is the seed's cold transfer.
const seedBody = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

// TestServeMetrics: GET /metrics on the control plane counts each answer
// exactly, by operation, status and scenario, in a format Prometheus
// parses; it is behind --admin-token, on the own port and under
// --admin-prefix.
func TestServeMetrics(t *testing.T) {
	s := startServe(t, "--admin-token", "s3cret")
	post := func(path, id, token string) int {
		t.Helper()
		req, err := http.NewRequest("POST", s.api+path, strings.NewReader(seedBody))
		require.NoError(t, err)
		req.SetBasicAuth(id, token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 3 {
		require.Equal(t, 201, post("/v1/phlo/P1/multi_party_call/N1", s.id, s.token))
	}
	require.Equal(t, 401, post("/v1/phlo/P1/multi_party_call/N1", s.id, "wrong"))
	require.Equal(t, 404, post("/v1/nowhere", s.id, s.token))
	adminDo(t, "PUT", s.admin+"/__admin/scenarios/active", "Bearer s3cret", `{"names":["bad-role"]}`, 200)
	require.Equal(t, 400, post("/v1/phlo/P1/multi_party_call/N1", s.id, s.token))

	adminDo(t, "GET", s.admin+"/metrics", "", "", http.StatusUnauthorized)
	adminDo(t, "GET", s.admin+"/metrics", "Bearer wrong", "", http.StatusUnauthorized)
	fams := scrape(t, s.admin+"/metrics", "s3cret")
	op := "updateMultiPartyCall"
	wantCounts := []struct {
		operation, status, scenario string
		want                        float64
	}{
		{op, "201", "", 3},
		{op, "401", "", 1},
		{"", "404", "", 1},
		{op, "400", "bad-role", 1},
	}
	for _, w := range wantCounts {
		got := value(t, fams, "phlomock_requests_total", map[string]string{"operation": w.operation, "status": w.status, "scenario": w.scenario})
		assert.Equalf(t, w.want, got, "phlomock_requests_total{operation=%q,status=%q,scenario=%q}", w.operation, w.status, w.scenario)
	}
	assert.Len(t, fams["phlomock_requests_total"].GetMetric(), len(wantCounts), "one series per operation, status and scenario seen")
	assert.Equal(t, uint64(5), histogram(t, fams, "phlomock_request_duration_seconds", map[string]string{"operation": op}).GetSampleCount())
	assert.Equal(t, 6.0, value(t, fams, "phlomock_journal_entries", nil))
	assert.Greater(t, value(t, fams, "phlomock_journal_bytes", nil), 6.0*float64(len(seedBody)))
	assert.Equal(t, 1.0, value(t, fams, "phlomock_ready", nil))
	assert.Equal(t, 0.0, value(t, fams, "phlomock_calls", map[string]string{"state": "live"}))
	assert.Equal(t, 1.0, value(t, fams, "phlomock_store_info", map[string]string{"store": "memory"}))
	assert.Contains(t, fams, "process_resident_memory_bytes")

	// One port: PREFIX/metrics, behind the token too.
	p := startServe(t, "--admin-addr", "", "--admin-prefix", "/__admin", "--admin-token", "s3cret")
	adminDo(t, "GET", p.api+"/__admin/metrics", "", "", http.StatusUnauthorized)
	assert.Contains(t, scrape(t, p.api+"/__admin/metrics", "s3cret"), "phlomock_ready")
}

// TestServeMetricsStore: with a Redis store the store's round trips (the
// readiness pings) are timed and their failures counted, and neither the
// password nor the URL with it is in /metrics.
func TestServeMetricsStore(t *testing.T) {
	r := redistest.Start(t, "--requirepass", "hunter22")
	srv := startServe(t, "--store", strings.Replace(r.URL(2), "redis://", "redis://default:hunter22@", 1), "--store-prefix", "team-a:")
	pings := map[string]string{"command": "ping"}
	fams := scrapeUntil(t, srv.admin, func(f map[string]*dto.MetricFamily) bool {
		// Other round trips (following the shared scenarios) come first.
		for _, m := range f["phlomock_store_duration_seconds"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "command" && l.GetValue() == "ping" {
					return true
				}
			}
		}
		return false
	})
	assert.Equal(t, 1.0, value(t, fams, "phlomock_store_info", map[string]string{"store": "redis://default:xxxxx@" + r.Addr + "/2", "prefix": "team-a:"}))
	assert.NotZero(t, histogram(t, fams, "phlomock_store_duration_seconds", pings).GetSampleCount())
	assert.Nil(t, fams["phlomock_store_errors_total"], "no failed round trip yet")

	r.Stop()
	fams = scrapeUntil(t, srv.admin, func(f map[string]*dto.MetricFamily) bool {
		return f["phlomock_store_errors_total"] != nil && value(t, f, "phlomock_ready", nil) == 0
	})
	assert.GreaterOrEqual(t, value(t, fams, "phlomock_store_errors_total", pings), 1.0)

	resp, err := http.Get(srv.admin + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.NotContains(t, string(body), "hunter22")
	assert.Contains(t, string(body), `store="redis://default:xxxxx@`)
}

// adminDo sends a request to the control plane and checks its status.
func adminDo(t *testing.T, method, url, auth, body string, want int) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equalf(t, want, resp.StatusCode, "%s %s: %s", method, url, b)
}

// scrape GETs url as Prometheus would and parses the text format.
func scrape(t *testing.T, url, token string) map[string]*dto.MetricFamily {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain; version=0.0.4")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "the output must parse as Prometheus's text format")
	return fams
}

// scrapeUntil scrapes admin/metrics until done holds of what it got; the
// bound is generous (serve pings its store every second) and only stops a
// broken test.
func scrapeUntil(t *testing.T, admin string, done func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	var fams map[string]*dto.MetricFamily
	wait.UntilNil(t, 15*time.Second, "/metrics", func() error {
		if fams = scrape(t, admin+"/metrics", ""); !done(fams) {
			return fmt.Errorf("the last scrape, %d families, is not there yet", len(fams))
		}
		return nil
	})
	return fams
}

// series is the metric of family name whose labels include labels.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	require.Truef(t, ok, "no metric %s", name)
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			if have[k] != v {
				match = false
			}
		}
		if match {
			return m
		}
	}
	t.Fatalf("no series %s%v; have %v", name, labels, f.GetMetric())
	return nil
}

// value is a counter's or gauge's value.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	m := series(t, fams, name, labels)
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}

func histogram(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Histogram {
	t.Helper()
	return series(t, fams, name, labels).GetHistogram()
}
