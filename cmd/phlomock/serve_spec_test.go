package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tasksSpec derives openapi/derive/testdata's tasks collection, a spec of
// another API (basic and bearer schemes, saved responses as examples).
func tasksSpec(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "tasks.yaml")
	var errw bytes.Buffer
	err := run(context.Background(), []string{"derive", "../../openapi/derive/testdata/tasks.postman_collection.json", "-o", out}, io.Discard, &errw)
	require.NoError(t, err, errw.String())
	return out
}

// TestServeOtherSpec: --spec with a derived non-PHLO spec starts with no
// PHLO scenario, names the spec's title, follows its security schemes and
// answers its examples (issue 12, trap 7).
func TestServeOtherSpec(t *testing.T) {
	spec := tasksSpec(t)
	s := startServe(t, "--spec", spec)

	resp, err := http.Get(s.admin + "/__admin/scenarios")
	require.NoError(t, err)
	var page struct{ Active []string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	resp.Body.Close()
	assert.Empty(t, page.Active, "no PHLO scenario with another API's spec")

	tests := []struct {
		name   string
		path   string
		auth   func(*http.Request)
		status int
		want   string // in the body
	}{
		{"bearer, the example", "/v2/projects/7/tasks/42", func(r *http.Request) { r.Header.Set("Authorization", "Bearer phlomock-default-auth-token") }, 200, `"title":"Water plants"`},
		{"bearer, first of the examples", "/v2/projects", func(r *http.Request) { r.Header.Set("Authorization", "Bearer phlomock-default-auth-token") }, 200, `"name":"Home"`},
		{"bearer wanted, basic sent", "/v2/projects", func(r *http.Request) { r.SetBasicAuth("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token") }, 401, "Bearer"},
		{"wrong bearer", "/v2/projects", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401, "invalid bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", s.api+tt.path, nil)
			require.NoError(t, err)
			tt.auth(req)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode, "body %s", body)
			assert.Contains(t, string(body), tt.want)
		})
	}

	// deleteTask says basicAuth: the operation's own security wins.
	req, err := http.NewRequest("DELETE", s.api+"/v2/projects/7/tasks/42", nil)
	require.NoError(t, err)
	req.SetBasicAuth("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Less(t, resp.StatusCode, 300, "basic auth on deleteTask")
}

func TestServeOtherSpecBanner(t *testing.T) {
	spec := tasksSpec(t)
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--spec", spec, "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	line := make([]byte, 512)
	n, _ := pr.Read(line)
	out.Write(line[:n])
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	<-done
	assert.Regexp(t, `^phlomock serving Tasks API on http://127\.0\.0\.1:\d+ \(control plane http://127\.0\.0\.1:\d+\); Basic auth MAPHLOMOCKDEFAULT001:phlomock-default-auth-token, bearer token phlomock-default-auth-token\n`, out.String())
}

func TestServeOtherSpecRefusesBuiltins(t *testing.T) {
	spec := tasksSpec(t)
	var errw bytes.Buffer
	err := run(context.Background(), []string{"serve", "--spec", spec, "--scenario", "bad-role", "--addr", "127.0.0.1:0", "--admin-addr", ""}, io.Discard, &errw)
	require.Error(t, err)
	assert.Equal(t, 1, exitCode(err, &errw))
	assert.Contains(t, errw.String(), "built-in scenario bad-role scripts the PHLO runner API, and --spec "+spec+" (Tasks API) does not define its operations")
	assert.NotContains(t, errw.String(), "builtin/")
}
