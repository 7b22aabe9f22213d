package director_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake/faketest"
)

// The PHLO and node of the built-in scenarios' world.
const (
	phloID = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	nodeID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

var (
	phloPath = "/v1/phlo/" + phloID
	nodePath = phloPath + "/multi_party_call/" + nodeID
	runPath  = "/v1/account/MAPHLOMOCKDEFAULT001/phlo/" + phloID
)

func memberPath(addr string) string { return nodePath + "/members/" + url.PathEscape(addr) }

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// send sends one request to the fake's API with its credentials; header
// holds name, value pairs ("Authorization" replaces the credentials).
func send(tb testing.TB, s *faketest.Server, method, path string, body any, header ...string) reply {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(tb, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	require.NoError(tb, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := s.Client().Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(tb, err)
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	require.NoErrorf(tb, json.Unmarshal(raw, &r.body), "body %q", raw)
	return r
}

// admin sends one request to the control plane and decodes the answer into
// out (when not nil).
func admin(tb testing.TB, s *faketest.Server, method, path, contentType, body string, out any) int {
	tb.Helper()
	req, err := http.NewRequest(method, s.AdminURL+path, bytes.NewReader([]byte(body)))
	require.NoError(tb, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(tb, err)
	if out != nil {
		require.NoErrorf(tb, json.Unmarshal(raw, out), "body %q", raw)
	}
	return res.StatusCode
}

func callBody(action, to, role, trigger string) map[string]any {
	return map[string]any{"action": action, "to": to, "role": role, "trigger_source": trigger}
}

func memberBody(action string) map[string]any { return map[string]any{"action": action} }
