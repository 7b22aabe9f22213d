package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --admin-token also guards the control plane on its own port: a request
// without the token, or with a wrong one, is refused; the right one is let
// in; the probes and the dashboard's files stay open, and the routes the
// dashboard reads need the token there as under --admin-prefix.
func TestServeAdminTokenOwnPort(t *testing.T) {
	s := startServe(t, "--admin-token", "s3cret")
	do := func(method, path, auth string) (int, string, http.Header) {
		req, err := http.NewRequest(method, s.admin+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	tests := []struct {
		method, path, auth string
		status             int
	}{
		{"GET", "/healthz", "", http.StatusOK},
		{"GET", "/readyz", "", http.StatusOK},
		{"GET", "/__admin/ui/", "", http.StatusOK},
		{"GET", "/__admin/journal", "", http.StatusUnauthorized},
		{"GET", "/__admin/journal", "Bearer wrong", http.StatusUnauthorized},
		{"GET", "/__admin/journal", "s3cret", http.StatusUnauthorized}, // not a bearer header
		{"GET", "/__admin/journal", "Bearer s3cret", http.StatusOK},
		{"GET", "/__admin/scenarios", "", http.StatusUnauthorized},
		{"GET", "/__admin/scenarios", "Bearer s3cret", http.StatusOK},
		{"DELETE", "/__admin/journal", "Bearer wrong", http.StatusUnauthorized},
		{"DELETE", "/__admin/journal", "Bearer s3cret", http.StatusNoContent},
		// Routes cannot be discovered without the token.
		{"GET", "/__admin/nope", "", http.StatusUnauthorized},
		{"GET", "/__admin/nope", "Bearer s3cret", http.StatusNotFound},
		{"PUT", "/__admin/journal", "", http.StatusUnauthorized},
		{"PUT", "/__admin/journal", "Bearer s3cret", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		status, body, header := do(tt.method, tt.path, tt.auth)
		assert.Equal(t, tt.status, status, "%s %s (Authorization %q): %s", tt.method, tt.path, tt.auth, body)
		if status == http.StatusUnauthorized {
			assert.Contains(t, header.Get("WWW-Authenticate"), "Bearer")
			assert.Contains(t, body, `"error"`)
			assert.NotContains(t, body, "s3cret")
		}
	}

	// Without --admin-token the own port stays open, as before.
	open := startServe(t)
	resp, err := http.Get(open.admin + "/__admin/journal")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
