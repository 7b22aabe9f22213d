package fake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
	"github.com/phlomock/phlomock/scenarios"
)

// start runs a fake built from cfg on loopback ports until the test ends.
func start(t *testing.T, cfg fake.Config) *fake.Fake {
	t.Helper()
	doc, err := openapi.Load()
	require.NoError(t, err)
	f, err := fake.New(doc, cfg)
	require.NoError(t, err)
	require.NoError(t, f.Start(context.Background(), "127.0.0.1:0"))
	t.Cleanup(func() { assert.NoError(t, f.Close(context.Background())) })
	return f
}

func do(t *testing.T, method, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if auth == "basic" {
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	} else if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// GET /__admin/journal with one query answers the same entries however the
// fake was built: with the director (scenarios), with a Store of the
// caller's, with its state in Redis, and under an admin prefix. The query
// uses what only the director's matcher had (a path.Match glob, auth_id),
// so a build that fell back to another listing answers otherwise.
func TestJournalAnswersTheSameHoweverBuilt(t *testing.T) {
	builds := map[string]func(t *testing.T) (api, admin, token string){
		"director": func(t *testing.T) (string, string, string) {
			f := start(t, fake.Config{AdminAddr: "127.0.0.1:0"})
			return f.URL, f.AdminURL, ""
		},
		"scenarios": func(t *testing.T) (string, string, string) {
			f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Scenarios: []string{"success"}})
			return f.URL, f.AdminURL, ""
		},
		"own store": func(t *testing.T) (string, string, string) {
			f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Options: mockserver.Options{Store: mockserver.State{}}})
			return f.URL, f.AdminURL, ""
		},
		"admin prefix": func(t *testing.T) (string, string, string) {
			f := start(t, fake.Config{AdminPrefix: "/__admin", AdminToken: "s3cret"})
			return f.URL, f.URL, "s3cret"
		},
		"redis": func(t *testing.T) (string, string, string) {
			if _, err := exec.LookPath("redis-server"); err != nil {
				t.Skip("no redis-server")
			}
			r := redistest.Start(t)
			st, err := redisstore.Open(context.Background(), r.URL(0), "journal:")
			require.NoError(t, err)
			t.Cleanup(func() { st.Close() })
			f := start(t, fake.Config{AdminAddr: "127.0.0.1:0", Backend: st})
			return f.URL, f.AdminURL, ""
		},
	}
	const query = "/__admin/journal?path=/v1/phlo/P*&auth_id=" + mockserver.DefaultAuthID
	var want []string
	for _, name := range []string{"director", "scenarios", "own store", "admin prefix", "redis"} {
		t.Run(name, func(t *testing.T) {
			api, admin, token := builds[name](t)
			for _, p := range []string{"/v1/phlo/P1", "/v1/phlo/P2", "/v1/phlo/Q1"} {
				status, body := do(t, "GET", api+p, "basic")
				require.Equal(t, 200, status, body)
			}
			status, _ := do(t, "GET", api+"/v1/phlo/P3", "") // no credentials: another auth_id
			require.Equal(t, 401, status)
			status, body := do(t, "GET", admin+query, token)
			require.Equal(t, 200, status, body)
			var page mockserver.JournalPage
			require.NoError(t, json.Unmarshal([]byte(body), &page), body)
			var got []string
			for _, e := range page.Entries {
				got = append(got, e.Method+" "+e.Path+" "+e.AuthID)
			}
			assert.Equal(t, []string{"GET /v1/phlo/P1 " + mockserver.DefaultAuthID, "GET /v1/phlo/P2 " + mockserver.DefaultAuthID}, got)
			if want == nil {
				want = got
			}
			assert.Equal(t, want, got, "the answer of "+name)
			assert.False(t, strings.Contains(body, mockserver.DefaultAuthToken), "no credential in the journal")
		})
	}
}

// TestControlPlaneIsElsewhere: a control plane path sent to the API's port
// answers a 404 that says where the fake started its control plane, and
// the control plane is there.
func TestControlPlaneIsElsewhere(t *testing.T) {
	cases := []struct {
		name string
		cfg  fake.Config
		try  func(f *fake.Fake) string // the URL the 404 says to try
	}{
		{"its own port", fake.Config{AdminAddr: "127.0.0.1:0"}, func(f *fake.Fake) string { return f.AdminURL + "/__admin/journal" }},
		{"under a prefix", fake.Config{AdminPrefix: "/mock", AdminToken: "t"}, func(f *fake.Fake) string { return f.URL + "/mock/journal" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := start(t, c.cfg)
			status, body := do(t, "GET", f.URL+"/__admin/journal", "basic")
			require.Equal(t, http.StatusNotFound, status, body)
			assert.Contains(t, body, "try "+c.try(f)+".", "got %s", body)
			status, body = do(t, "GET", c.try(f), "t")
			assert.Equal(t, http.StatusOK, status, "the control plane is where the 404 says: %s", body)
		})
	}
	t.Run("none", func(t *testing.T) {
		f := start(t, fake.Config{})
		_, body := do(t, "GET", f.URL+"/__admin/journal", "basic")
		assert.Contains(t, body, "this fake serves no control plane", "got %s", body)
	})
}

// TestScenariosActivatedOnceListening: the start-up scenarios are logged
// as activated once the fake's ports are open, not when it is built, nor
// when a port turns out to be busy; later activations are logged as made.
func TestScenariosActivatedOnceListening(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(logs.String(), "scenarios activated")
	}
	doc, err := openapi.Load()
	require.NoError(t, err)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()

	f, err := fake.New(doc, fake.Config{Options: mockserver.Options{Logger: logger}, Scenarios: []string{"bad-role"}})
	require.NoError(t, err)
	assert.Zero(t, count(), "built, not listening: %s", logs.String())
	require.Error(t, f.Start(context.Background(), busy.Addr().String()))
	assert.Zero(t, count(), "the port was busy: %s", logs.String())

	require.NoError(t, f.Start(context.Background(), "127.0.0.1:0"))
	t.Cleanup(func() { assert.NoError(t, f.Close(context.Background())) })
	assert.Equal(t, 1, count(), "listening: %s", logs.String())
	assert.Contains(t, logs.String(), "active=bad-role")
	require.NoError(t, f.Director.ActivateNames("server-error"))
	assert.Equal(t, 2, count(), "an activation once serving: %s", logs.String())
}

type writerFunc func([]byte) (int, error)

func (w writerFunc) Write(p []byte) (int, error) { return w(p) }

// TestBodilessErrorSaysWhatTheBuiltinsSay: a rule with a status alone
// (respond: 500) answers the contract's error text for the status, the
// text the built-in scenario for that status writes.
func TestBodilessErrorSaysWhatTheBuiltinsSay(t *testing.T) {
	errorOf := func(t *testing.T, cfg fake.Config) (int, string) {
		t.Helper()
		f := start(t, cfg)
		status, body := do(t, "GET", f.URL+"/v1/phlo/P1", "basic")
		var answer struct{ Error string }
		require.NoError(t, json.Unmarshal([]byte(body), &answer), body)
		return status, answer.Error
	}
	for _, builtin := range []string{"server-error", "rate-limited", "auth-failure", "unknown-phlo"} {
		t.Run(builtin, func(t *testing.T) {
			status, want := errorOf(t, fake.Config{Scenarios: []string{builtin}})
			require.GreaterOrEqual(t, status, 400)
			s, err := scenarios.Parse("short.yaml", []byte(fmt.Sprintf("version: 1\nname: short\nrules:\n  - respond: %d\n", status)))
			require.NoError(t, err)
			gotStatus, got := errorOf(t, fake.Config{Active: []*scenarios.Scenario{s}})
			assert.Equal(t, status, gotStatus)
			assert.Equal(t, want, got, "respond: %d answers what %s does", status, builtin)
		})
	}
}
