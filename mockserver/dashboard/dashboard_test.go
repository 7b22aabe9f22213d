package dashboard_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver/dashboard"
)

func TestHandler(t *testing.T) {
	h := dashboard.Handler("/__admin/ui/")
	tests := []struct {
		path                  string
		status                int
		contentType, location string
	}{
		{path: "/__admin/ui/", status: 200, contentType: "text/html; charset=utf-8"},
		{path: "/__admin/ui/index.html", status: 200, contentType: "text/html; charset=utf-8"},
		{path: "/__admin/ui/dashboard.js", status: 200, contentType: "text/javascript; charset=utf-8"},
		{path: "/__admin/ui/dashboard.css", status: 200, contentType: "text/css; charset=utf-8"},
		// relative, so that it is right behind a prefix too
		{path: "/__admin/ui", status: 301, location: "ui/"},
		{path: "/__admin/ui/nope.js", status: 404, contentType: "application/json"},
		{path: "/__admin/ui/static/index.html", status: 404, contentType: "application/json"},
		{path: "/__admin/elsewhere", status: 404, contentType: "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.location, rec.Header().Get("Location"))
			if tt.contentType != "" {
				assert.Equal(t, tt.contentType, rec.Header().Get("Content-Type"))
			}
			if rec.Code == http.StatusOK {
				assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
				assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			}
			if rec.Code == http.StatusNotFound {
				var body struct{ APIID, Error string }
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				assert.Contains(t, body.Error, "No dashboard file")
			}
		})
	}
}

// The page works offline: it loads nothing from another origin.
func TestFilesAreSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i:(https?:)?//[a-z0-9.-]+\.[a-z]{2,})|@import|\burl\(`)
	n := 0
	require.NoError(t, fs.WalkDir(dashboard.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := fs.ReadFile(dashboard.Files(), path)
		require.NoError(t, err)
		assert.Empty(t, external.FindAllString(string(data), -1), "%s refers to another origin", path)
		return nil
	}))
	assert.Equal(t, 3, n, "index.html, dashboard.css, dashboard.js")
}

// The control plane of a fake serves the dashboard, and the call history it
// draws.
func TestMountedOnControlPlane(t *testing.T) {
	fake := faketest.NewServer(t, fake.Config{}, "transfer-flow")
	resp, err := http.Get(fake.AdminURL + "/__admin/ui/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "<title>phlomock dashboard</title>")
}
