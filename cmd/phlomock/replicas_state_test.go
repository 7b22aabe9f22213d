package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/wait"
)

const statePhlo = "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"

// request sends one request to base+path with the replica's credentials
// and header name, value pairs; it returns the status and the error text.
func (r *replica) request(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", r.Auth)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error
}

// followBound bounds the wait for the replicas to answer as wanted, well
// past the documented bound (redisstore.PollInterval plus a round trip):
// the tests assert that they do, not how fast.
const followBound = 10 * time.Second

// An activation, an upload and a reset made on one replica apply on every
// replica.
func TestReplicasShareScenarios(t *testing.T) {
	s := redistest.Start(t)
	rs := startReplicas(t, 3, s.URL(0))

	status, msg := rs[0].request(t, "PUT", rs[0].Admin+"/__admin/scenarios/active", `{"names":["bad-role"]}`)
	require.Equal(t, 200, status, msg)
	for _, r := range rs[1:] {
		wait.Until(t, followBound, "bad-role on "+r.API, func() bool {
			status, msg := r.request(t, "POST", r.API+flowNode, `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`)
			return status == 400 && strings.Contains(msg, "Invalid value provided for role.")
		})
	}

	status, msg = rs[1].request(t, "POST", rs[1].Admin+"/__admin/scenarios?activate=false&file=teapot.yaml", `version: 1
name: teapot
rules:
  - name: brew
    match: {operation: getPhlo}
    respond: {status: 418, body: {api_id: "{{api_id}}", error: "I'm a teapot"}}
`)
	require.Equal(t, 201, status, msg)
	wait.Until(t, followBound, "the upload on "+rs[2].API, func() bool {
		status, _ := rs[2].request(t, "GET", rs[2].API+statePhlo, "", "X-Phlomock-Scenario", "teapot")
		return status == 418
	})

	// flaky, made on 2 and counted on 0; a reset on 2 rewinds 0's counters.
	status, msg = rs[2].request(t, "PUT", rs[2].Admin+"/__admin/scenarios/active", `{"names":["flaky"]}`)
	require.Equal(t, 200, status, msg)
	wait.Until(t, followBound, "flaky on "+rs[0].API, func() bool {
		status, _ := rs[0].request(t, "GET", rs[0].API+statePhlo, "")
		return status == 500
	})
	wait.Until(t, followBound, "flaky used up", func() bool {
		status, _ := rs[0].request(t, "GET", rs[0].API+statePhlo, "")
		return status == 200
	})
	status, msg = rs[2].request(t, "POST", rs[2].Admin+"/__admin/reset?scenarios=keep", "")
	require.Equal(t, 200, status, msg)
	wait.Until(t, followBound, "the rewind on "+rs[0].API, func() bool {
		status, _ := rs[0].request(t, "GET", rs[0].API+statePhlo, "")
		return status == 500
	})
	for _, r := range rs {
		assert.Equal(t, []string{"flaky"}, r.active(t), r.Admin)
	}

	// A replica started with the same arguments joins the state as it is;
	// one started with others (a new deployment) brings every replica to
	// its own.
	joined := startReplicas(t, 1, s.URL(0))[0]
	assert.Equal(t, []string{"flaky"}, joined.active(t), "the fourth replica joined")
	status, _ = joined.request(t, "GET", joined.API+statePhlo, "", "X-Phlomock-Scenario", "teapot")
	assert.Equal(t, 418, status, "the upload made before it started")
	next := startReplicas(t, 1, s.URL(0), "--scenario", "bad-role")[0]
	assert.Equal(t, []string{"bad-role"}, next.active(t))
	for _, r := range append(rs, joined) {
		wait.Until(t, followBound, "the new deployment's set on "+r.Admin, func() bool {
			return slices.Equal(r.active(t), []string{"bad-role"})
		})
	}
}

// active is the replica's active set (GET /__admin/scenarios).
func (r *replica) active(t *testing.T) []string {
	t.Helper()
	var page struct{ Active []string }
	resp, err := http.Get(r.Admin + "/__admin/scenarios")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	return page.Active
}

// A --watch reload on the replica that watches is taken up by the others,
// which started with the same file and do not watch it.
func TestReplicasShareWatchReload(t *testing.T) {
	s := redistest.Start(t)
	file := filepath.Join(t.TempDir(), "team.yaml")
	write := func(status int) {
		t.Helper()
		yaml := fmt.Sprintf("version: 1\nname: team\nrules:\n  - name: r\n    match: {operation: getPhlo}\n    respond: {status: %d, body: {api_id: \"{{api_id}}\", error: \"status %d\"}}\n", status, status)
		require.NoError(t, os.WriteFile(file, []byte(yaml), 0o644))
	}
	write(418)
	watcher := startReplicas(t, 1, s.URL(0), "--scenario", file, "--watch")[0]
	other := startReplicas(t, 1, s.URL(0), "--scenario", file)[0]
	status, _ := other.request(t, "GET", other.API+statePhlo, "")
	require.Equal(t, 418, status)

	write(503)
	wait.Until(t, followBound, "the reload on "+other.API, func() bool {
		status, _ := other.request(t, "GET", other.API+statePhlo, "")
		return status == 503
	})
	status, _ = watcher.request(t, "GET", watcher.API+statePhlo, "")
	assert.Equal(t, 503, status)
}

// A reset made on one replica brings every replica back to the scenarios
// they started with: a teardown's reset leaves no rate-limited on.
func TestReplicasResetToDefaults(t *testing.T) {
	s := redistest.Start(t)
	rs := startReplicas(t, 2, s.URL(0))
	status, msg := rs[0].request(t, "PUT", rs[0].Admin+"/__admin/scenarios/active", `{"names":["rate-limited"]}`)
	require.Equal(t, 200, status, msg)
	wait.Until(t, followBound, "rate-limited on "+rs[1].API, func() bool {
		status, _ := rs[1].request(t, "GET", rs[1].API+statePhlo, "")
		return status == 429
	})
	status, msg = rs[1].request(t, "POST", rs[1].Admin+"/__admin/reset", "")
	require.Equal(t, 200, status, msg)
	for _, r := range rs {
		wait.Until(t, followBound, "the defaults on "+r.API, func() bool {
			status, _ := r.request(t, "GET", r.API+statePhlo, "")
			return status == 200 && slices.Equal(r.active(t), []string{"success"})
		})
	}
}
