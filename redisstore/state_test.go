package redisstore_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
	"github.com/phlomock/phlomock/scenarios"
)

// The world of the built-in scenarios.
const (
	phloPath = "/v1/phlo/e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	nodePath = phloPath + "/multi_party_call/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	callBody = `{"action": "call", "to": "+14152223333", "role": "agent", "trigger_source": "+14152225555"}`
	teapot   = `version: 1
name: teapot
rules:
  - name: brew
    match: {operation: getPhlo}
    respond: {status: 418, body: {api_id: "{{api_id}}", error: "I'm a teapot"}}
`
)

// A replica is a fake with scenarios sharing its scenarios, calls and
// counts through Redis, following the others, as serve --store runs it.
type replica struct {
	d          *director.Director
	api, admin string // base URLs
}

// startReplica starts a replica on s with the --scenario arguments names,
// as serve does.
func startReplica(t *testing.T, s *redistest.Server, names ...string) *replica {
	t.Helper()
	return replicaAt(t, s.URL(0), "t:", names...)
}

// replicaAt is startReplica on the store url with key prefix.
func replicaAt(t *testing.T, url, prefix string, names ...string) *replica {
	t.Helper()
	st, err := redisstore.Open(context.Background(), url, prefix)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	doc, err := openapi.Load()
	require.NoError(t, err)
	f, err := fake.New(doc, fake.Config{Backend: st, Scenarios: names, Rejoin: true, AdminAddr: "127.0.0.1:0"})
	require.NoError(t, err)
	require.NoError(t, f.Start(context.Background(), "127.0.0.1:0")) // follows the others until Close
	t.Cleanup(func() { _ = f.Close(context.Background()) })
	return &replica{d: f.Director, api: f.URL, admin: f.AdminURL}
}

// do sends a request and returns its status and body.
func do(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// follows waits until every replica answers from one version (Follow's
// bound, PollInterval plus a round trip, is well under the wait). Call it
// after a change has returned: the version it was made in is then in the
// store, so replicas at one version are at it or a later one.
func follows(t *testing.T, fs ...*replica) {
	t.Helper()
	require.Eventually(t, func() bool {
		want := fs[0].d.Version()
		for _, f := range fs {
			if f.d.Version() != want {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "replicas at one version")
}

func TestStateActivationReachesEveryReplica(t *testing.T) {
	s := redistest.Start(t)
	a, b := startReplica(t, s, "success"), startReplica(t, s, "success")
	require.NotEmpty(t, a.d.Version())
	assert.Equal(t, a.d.Version(), b.d.Version(), "the second replica joined the first's state")

	status, body := do(t, "PUT", a.admin+"/__admin/scenarios/active", `{"names":["bad-role"]}`)
	require.Equal(t, 200, status, body)
	follows(t, a, b)
	assert.Equal(t, []string{"bad-role"}, b.d.Active())
	status, body = do(t, "POST", b.api+nodePath, callBody)
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "Invalid value provided for role.")

	// An upload on one, without activating it, is there by name and by
	// header on the other.
	status, body = do(t, "POST", a.admin+"/__admin/scenarios?activate=false", teapot)
	require.Equal(t, 201, status, body)
	follows(t, a, b)
	status, _ = do(t, "GET", b.api+phloPath, "", director.HeaderScenario, "teapot")
	assert.Equal(t, 418, status, "the header names the upload on the other replica")
	status, body = do(t, "PUT", b.admin+"/__admin/scenarios/active", `{"names":["teapot"]}`)
	require.Equal(t, 200, status, body)
	follows(t, b, a)
	status, _ = do(t, "GET", a.api+phloPath, "")
	assert.Equal(t, 418, status, "activated by name on the other replica")

	// Unload: refused while active anywhere, then gone everywhere.
	status, _ = do(t, "DELETE", a.admin+"/__admin/scenarios/teapot", "")
	assert.Equal(t, 409, status)
	require.NoError(t, a.d.ActivateNames("success"))
	status, body = do(t, "DELETE", a.admin+"/__admin/scenarios/teapot", "")
	require.Equal(t, 200, status, body)
	follows(t, a, b)
	assert.NotContains(t, b.d.Available(), "teapot")
	status, _ = do(t, "GET", b.api+phloPath, "", director.HeaderScenario, "teapot")
	assert.Equal(t, 400, status, "an unknown scenario on the other replica too")

	// A replica joining later takes up the state as it is.
	c := startReplica(t, s, "success")
	assert.Equal(t, a.d.Version(), c.d.Version())
	assert.Equal(t, []string{"success"}, c.d.Active())
}

func TestStateInvalidUploadChangesNothing(t *testing.T) {
	s := redistest.Start(t)
	a, b := startReplica(t, s, "success"), startReplica(t, s, "success")
	v := a.d.Version()
	status, body := do(t, "POST", a.admin+"/__admin/scenarios", "version: 1\nname: broken\nrules: [{name: x, match: {operation: nope}, respond: {status: 999}}]\n")
	require.Equal(t, 400, status, body)
	status, _ = do(t, "PUT", a.admin+"/__admin/scenarios/active", `{"names":["nope"]}`)
	require.Equal(t, 400, status)
	for _, f := range []*replica{a, b} {
		assert.Equal(t, v, f.d.Version(), "nothing published")
		assert.Equal(t, []string{"success"}, f.d.Active())
		assert.NotContains(t, f.d.Available(), "broken")
	}
}

// Two replicas changing the scenarios at once lose neither change.
func TestStateConcurrentChangesBothKept(t *testing.T) {
	s := redistest.Start(t)
	a, b := startReplica(t, s, "success"), startReplica(t, s, "success")
	var wg sync.WaitGroup
	for i, f := range []*replica{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			yaml := strings.Replace(teapot, "name: teapot", "name: pot"+string(rune('a'+i)), 1)
			s, err := scenarios.Check("pot.yaml", []byte(yaml), f.d.Operations())
			if assert.NoError(t, err) {
				assert.NoError(t, f.d.Upload(s, false))
			}
		}()
	}
	wg.Wait()
	follows(t, a, b)
	for _, f := range []*replica{a, b} {
		assert.Subset(t, f.d.Available(), []string{"pota", "potb", "potc", "potd"})
	}
}

func TestStateResetReachesEveryReplica(t *testing.T) {
	s := redistest.Start(t)
	a, b := startReplica(t, s, "flaky"), startReplica(t, s, "flaky")
	for _, want := range []int{500, 500, 200} {
		status, _ := do(t, "GET", a.api+phloPath, "")
		require.Equal(t, want, status)
	}
	status, _ := do(t, "POST", b.admin+"/__admin/reset", "")
	require.Equal(t, 200, status)
	follows(t, b, a)
	status, _ = do(t, "GET", a.api+phloPath, "")
	assert.Equal(t, 500, status, "the counters rewound on the other replica")
}

func TestStateStoreDown(t *testing.T) {
	s := redistest.Start(t)
	a, b := startReplica(t, s, "success"), startReplica(t, s, "success")
	pot := strings.Replace(teapot, "name: teapot", "name: pot", 1)
	status, body := do(t, "POST", a.admin+"/__admin/scenarios?activate=false", pot)
	require.Equal(t, 201, status, body)
	follows(t, a, b)
	s.Stop()
	status, _ = do(t, "DELETE", b.admin+"/__admin/scenarios/pot", "")
	assert.Equal(t, 503, status)
	status, body = do(t, "PUT", a.admin+"/__admin/scenarios/active", `{"names":["bad-role"]}`)
	assert.Equal(t, 503, status)
	var page struct{ APIID, Error string }
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	assert.Contains(t, page.Error, "store redis://"+s.Addr)
	status, _ = do(t, "POST", a.admin+"/__admin/scenarios", teapot)
	assert.Equal(t, 503, status)
	status, _ = do(t, "POST", a.admin+"/__admin/reset", "")
	assert.Equal(t, 503, status)
	for _, f := range []*replica{a, b} {
		assert.Equal(t, []string{"success"}, f.d.Active(), "nothing changed")
		assert.NotContains(t, f.d.Available(), "teapot")
		assert.Contains(t, f.d.Available(), "pot")
	}
	status, _ = do(t, "POST", a.api+nodePath, callBody)
	assert.Equal(t, 201, status, "a stateless request does not need the store")

	// Redis comes back empty: it lost the replicas' state, and a change
	// answers 503 naming the loss (store data loss, docs/store.md), until
	// a reset starts over; then changes go through again.
	s.Restart()
	require.Eventually(t, func() bool {
		status, body := do(t, "PUT", a.admin+"/__admin/scenarios/active", `{"names":["bad-role"]}`)
		return status == 503 && strings.Contains(body, "lost its state")
	}, 10*time.Second, 20*time.Millisecond)
	status, body = do(t, "POST", b.admin+"/__admin/reset", "")
	require.Equal(t, 200, status, body)
	status, body = do(t, "PUT", a.admin+"/__admin/scenarios/active", `{"names":["bad-role"]}`)
	require.Equal(t, 200, status, body)
	follows(t, a, b)
	assert.Equal(t, []string{"bad-role"}, b.d.Active())
}

// A scenario built in Go has no source to share: the change is refused,
// and nothing changes.
func TestStateRefusesScenarioWithoutSource(t *testing.T) {
	s := redistest.Start(t)
	a := startReplica(t, s, "success")
	v := a.d.Version()
	err := a.d.Activate(&scenarios.Scenario{Version: scenarios.Version, Name: "in-go"})
	require.ErrorIs(t, err, director.ErrNoSource)
	assert.Contains(t, err.Error(), `"in-go"`)
	assert.Equal(t, []string{"success"}, a.d.Active())
	assert.Equal(t, v, a.d.Version())
}

// A Redis user allowed only its prefix's keys and channels (docs/kubernetes.md)
// is enough to share the scenarios.
func TestStateUnderACLUser(t *testing.T) {
	s := redistest.Start(t, "--user", "team-a", "on", ">pw", "~team-a:*", "&team-a:*", "+@all")
	url := strings.Replace(s.URL(0), "redis://", "redis://team-a:pw@", 1)
	a, b := replicaAt(t, url, "team-a:", "success"), replicaAt(t, url, "team-a:", "success")
	require.NoError(t, a.d.ActivateNames("bad-role"))
	follows(t, a, b)
	assert.Equal(t, []string{"bad-role"}, b.d.Active())
}

// A state this replica cannot load (another phlomock's, say) is skipped:
// the replica keeps its set. A replica starting then replaces it with its
// own, and the first follows that.
func TestStateUnloadableIsSkipped(t *testing.T) {
	s := redistest.Start(t)
	a := startReplica(t, s, "success")
	raw, err := redisstore.Open(context.Background(), s.URL(0), "t:")
	require.NoError(t, err)
	defer raw.Close()
	ctx := context.Background()
	require.NoError(t, raw.Client().Set(ctx, "t:state", `{"change":"x","active":[{"file":"future.yaml","source":"version: 9\n"}],"active_by":"x"}`, 0).Err())
	require.NoError(t, raw.Client().Set(ctx, "t:version", "x", 0).Err())
	require.NoError(t, raw.Client().Publish(ctx, "t:changes", "x").Err())
	require.Eventually(t, func() bool { return a.d.Version() == "x" }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"success"}, a.d.Active(), "skipped")

	// A change made on a replica that missed the unloadable state's
	// message replaces it (and is not refused for it).
	require.NoError(t, raw.Client().Set(ctx, "t:version", "y", 0).Err())
	require.NoError(t, a.d.ActivateNames("flaky"))
	assert.Equal(t, []string{"flaky"}, a.d.Active())
	require.NoError(t, raw.Client().Set(ctx, "t:state", `{"change":"x","active":[{"file":"future.yaml","source":"version: 9\n"}],"active_by":"x"}`, 0).Err())
	require.NoError(t, raw.Client().Set(ctx, "t:version", "x", 0).Err())

	b := startReplica(t, s, "bad-role")
	assert.NotEqual(t, "x", b.d.Version(), "replaced")
	follows(t, b, a)
	assert.Equal(t, []string{"bad-role"}, a.d.Active())
}
