package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/sessiontest"
	"github.com/phlomock/phlomock/internal/wait"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

// createSession is POST /__admin/sessions on base: status and answer.
func createSession(t *testing.T, base, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(base+"/__admin/sessions", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoErrorf(t, json.Unmarshal(raw, &out), "%s", raw)
	return resp.StatusCode, out
}

// TestReplicasShareSessions: three `serve --store redis://` processes, 16
// tests at once each in a session created on one of them, each request on
// the next replica: every test's answers (the transfer flow, a scenario of
// its own, verify, journal, reset) are those of a fake of its own. The
// bound on live sessions holds across replicas, and a session's TTL ends it
// on every replica.
func TestReplicasShareSessions(t *testing.T) {
	const n = 16
	doc, err := openapi.Load()
	require.NoError(t, err)
	want := make([][]string, n)
	for i := range n {
		srv, err := fake.New(doc, fake.Config{})
		require.NoError(t, err)
		api, admin := httptest.NewServer(srv.API), httptest.NewServer(srv.AdminHandler())
		want[i] = sessiontest.Flow(t, sessiontest.Target{API: api.URL, Admin: admin.URL, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken}, i)
		api.Close()
		admin.Close()
	}

	s := redistest.Start(t)
	rs := startReplicas(t, 3, s.URL(0), "--scenario", "success", "--max-sessions", fmt.Sprint(n+1))
	targets := make([]sessiontest.Target, n)
	for i := range n {
		status, sess := createSession(t, rs[i%3].Admin, `{"ttl":"2m"}`)
		require.Equal(t, 201, status, sess)
		r := rs[(i+1)%3]
		targets[i] = sessiontest.Target{API: r.API, Admin: r.Admin, AuthID: sess["auth_id"].(string), AuthToken: sess["auth_token"].(string)}
		if i%2 == 1 {
			targets[i].Session = sess["id"].(string)
		} else {
			targets[i].QuerySession = sess["id"].(string)
		}
		for _, o := range rs {
			if o != r {
				targets[i].Replicas = append(targets[i].Replicas, [2]string{o.API, o.Admin})
			}
		}
	}
	got := make([][]string, n)
	t.Run("tests", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				got[i] = sessiontest.Flow(t, targets[i], i)
			})
		}
	})
	for i := range n {
		assert.Equal(t, want[i], got[i], "test %d", i)
	}

	// The 17th session, with a TTL of 1 s, is the last one allowed.
	status, short := createSession(t, rs[2].Admin, `{"ttl":"1s"}`)
	require.Equal(t, 201, status, short)
	status, full := createSession(t, rs[0].Admin, "")
	assert.Equal(t, 429, status, "the bound holds across replicas: %v", full)
	auth := basicAuth(short["auth_id"].(string), short["auth_token"].(string))
	for _, r := range rs {
		st, msg := r.request(t, "GET", r.API+statePhlo, "", "Authorization", auth)
		require.Equal(t, 200, st, msg)
	}
	// Wait for the expiry on the control plane, which does not touch the
	// session: a request with its account does, and polling with one every
	// 20 ms could keep a session with a 1 s TTL alive for ever.
	wait.Until(t, followBound, "the short session expired", func() bool {
		resp, err := http.Get(rs[1].Admin + "/__admin/sessions?limit=1000")
		require.NoError(t, err)
		defer resp.Body.Close()
		var list struct{ Live int }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		return list.Live == n
	})
	for _, r := range rs {
		wait.Until(t, followBound, "the expired session refused on "+r.API, func() bool {
			st, msg := r.request(t, "GET", r.API+statePhlo, "", "Authorization", auth)
			return st == 401 && strings.Contains(msg, "which is not live")
		})
	}
	status, _ = createSession(t, rs[1].Admin, "")
	assert.Equal(t, 201, status, "its place is free again")
}

// The Redis store keeps the sessions of serve --store.
var _ director.SessionStore = (*redisstore.Store)(nil)
