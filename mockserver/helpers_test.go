package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/require"
)

func newServer(tb testing.TB, opts mockserver.Options) *mockserver.Server {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	opts.ValidateResponses = true // the fake checks its own answers in every test
	s, err := mockserver.New(doc, opts)
	require.NoError(tb, err)
	return s
}

type reply struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// do sends one request through h. auth "" sends the default account,
// "-" sends none, anything else is sent as "id:token".
func do(tb testing.TB, h http.Handler, method, path, auth, contentType, body string) reply {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Host = "127.0.0.1:8081" // the control plane refuses other names (crosssite.go)
	switch auth {
	case "":
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	case "-":
	default:
		id, tok, _ := strings.Cut(auth, ":")
		req.SetBasicAuth(id, tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	rp := reply{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	require.Truef(tb, strings.HasSuffix(rp.raw, "}\n"), "got body %q, want JSON with a trailing newline", rp.raw)
	require.NoErrorf(tb, json.Unmarshal(rec.Body.Bytes(), &rp.body), "body %q", rp.raw)
	require.Equal(tb, "application/json", rec.Header().Get("Content-Type"))
	return rp
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return string(b)
}
