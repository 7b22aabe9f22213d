package director_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/sessiontest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
)

// redisReplicas are n fakes with sessions on one redis-server, as n
// replicas of serve --store.
func redisReplicas(t *testing.T, n int) []*sessionFake {
	r := redistest.Start(t)
	doc, err := openapi.Load()
	require.NoError(t, err)
	var fakes []*sessionFake
	for range n {
		st := openStore(t, r)
		// Each session's state in st too, as serve keeps it.
		f, err := fake.New(doc, fake.Config{Backend: st, SessionBackend: func(id string) fake.Backend { return st.Session(id) }})
		require.NoError(t, err)
		fakes = append(fakes, serveSessions(t, f))
	}
	return fakes
}

// TestSessionsAcrossReplicas: 16 sessions on three replicas sharing a
// redis-server, each request of each session on the next replica, answer
// as 16 separate fakes; a session deleted on one is refused by the others.
func TestSessionsAcrossReplicas(t *testing.T) {
	const n = 16
	want := make([][]string, n)
	for i := range n {
		f := newSessionFake(t, director.SessionOptions{})
		want[i] = sessiontest.Flow(t, sessiontest.Target{API: f.api, Admin: f.admin, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken}, i)
	}
	rs := redisReplicas(t, 3)
	got := make([][]string, n)
	var targets []sessiontest.Target
	for i := range n {
		s := rs[i%3].create(t, `{"ttl":"1m"}`)
		target := sessionstarget(rs[0], i, s.body["id"].(string), s.body["auth_id"].(string), s.body["auth_token"].(string))
		target.Replicas = [][2]string{{rs[1].api, rs[1].admin}, {rs[2].api, rs[2].admin}}
		targets = append(targets, target)
	}
	t.Run("parallel", func(t *testing.T) {
		for i, target := range targets {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				got[i] = sessiontest.Flow(t, target, i)
			})
		}
	})
	for i := range n {
		assert.Equal(t, want[i], got[i], "session %d", i)
	}
	list := do(t, rs[2].admin, "GET", "/__admin/sessions?limit=1000", "")
	assert.Equal(t, float64(n), list.body["live"], "every replica lists every session")

	s := rs[0].create(t, "")
	id, auth := s.body["id"].(string), basicOf(s.body["auth_id"].(string), s.body["auth_token"].(string))
	require.Equal(t, 200, do(t, rs[1].api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", auth).status)
	require.Equal(t, 204, do(t, rs[2].admin, "DELETE", "/__admin/sessions/"+id, "").status)
	require.Eventually(t, func() bool {
		return do(t, rs[1].api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", auth).status == 401
	}, 5e9, 2e7, "the replica that served it follows the deletion")
	r := do(t, rs[0].api, "GET", "/v1/phlo/"+sessiontest.PhloID, "", "Authorization", basic(), "X-Phlomock-Session", id)
	errorIs(t, r, 400, `Unknown session "`+id+`": it ended (deleted); create another with POST /__admin/sessions (header X-Phlomock-Session).`)
}
