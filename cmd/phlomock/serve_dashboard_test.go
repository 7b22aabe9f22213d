package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The dashboard is on the control plane's port, and under --admin-prefix on
// the API's: there its files open without the token (a browser cannot send
// one to open a page), and every route they read still needs it.
func TestServeDashboard(t *testing.T) {
	get := func(url, token string) (int, string, http.Header) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		// A redirect is looked at, not followed.
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	s := startServe(t)
	status, page, _ := get(s.admin+"/__admin/ui/", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, "<title>phlomock dashboard</title>")

	p := startServe(t, "--admin-prefix", "/mock", "--admin-token", "s3cret")
	tests := []struct {
		path, token string
		status      int
		location    string
	}{
		{"/mock/ui/", "", http.StatusOK, ""},
		{"/mock/ui/dashboard.js", "", http.StatusOK, ""},
		{"/mock/ui", "", http.StatusMovedPermanently, "ui/"}, // to /mock/ui/, not /__admin/ui/
		{"/mock/journal", "", http.StatusUnauthorized, ""},
		{"/mock/journal", "s3cret", http.StatusOK, ""},
		{"/mock/calls", "", http.StatusUnauthorized, ""},
		{"/mock/uix", "", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		status, _, header := get(p.api+tt.path, tt.token)
		assert.Equal(t, tt.status, status, "GET %s (token %q)", tt.path, tt.token)
		assert.Equal(t, tt.location, header.Get("Location"), "GET %s", tt.path)
	}
}
