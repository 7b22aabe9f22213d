package mockserver_test

import (
	"net/http/httptest"
	"os"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnySpecParameters serves another spec (testdata/params.yaml) to check
// the parameter violations the PHLO contract cannot produce.
func TestAnySpecParameters(t *testing.T) {
	data, err := os.ReadFile("testdata/params.yaml")
	require.NoError(t, err)
	doc, err := openapi.Parse(data)
	require.NoError(t, err)
	s, err := mockserver.New(doc, mockserver.Options{ValidateResponses: true})
	require.NoError(t, err)
	cases := []struct {
		name, target string
		trace        bool
		status       int
		error        string
	}{
		{"valid", "/v1/items/ab?limit=3&sort=asc", true, 200, ""},
		{"every violation", "/v1/items/abcdef?limit=x&sort=up", false, 400,
			"X-Trace is a mandatory param.; " +
				"Invalid value provided for item_id. The item_id can be maximum 4 characters long.; " +
				"Invalid value provided for limit. limit expects a/an integer.; " +
				"Invalid value provided for sort. Allowed values are 'asc' and 'desc'."},
		{"missing query", "/v1/items/ab", true, 400, "limit is a mandatory param."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", c.target, nil)
			req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
			if c.trace {
				req.Header.Set("X-Trace", "t1")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equalf(t, c.status, rec.Code, "body %s", rec.Body)
			if c.error != "" {
				assert.JSONEq(t, `"`+c.error+`"`, jsonField(t, rec, "error"))
			} else {
				assert.JSONEq(t, `"ab"`, jsonField(t, rec, "item_id"))
				assert.JSONEq(t, `0`, jsonField(t, rec, "count"))
			}
		})
	}
}

func TestAnySpecPublicOperation(t *testing.T) {
	data, err := os.ReadFile("testdata/params.yaml")
	require.NoError(t, err)
	doc, err := openapi.Parse(data)
	require.NoError(t, err)
	s, err := mockserver.New(doc, mockserver.Options{ValidateResponses: true})
	require.NoError(t, err)
	cases := []struct {
		target string
		status int
	}{
		{"/v1/status", 200},           // security: []
		{"/v1/items/ab?limit=1", 401}, // the document's basicAuth
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("GET", c.target, nil))
			assert.Equalf(t, c.status, rec.Code, "body %s", rec.Body)
		})
	}
}

func jsonField(tb testing.TB, rec *httptest.ResponseRecorder, key string) string {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, jsonUnmarshal(rec.Body.Bytes(), &m))
	return mustJSON(tb, m[key])
}

func TestOperationsTableCoversTheSpec(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, op := range operations {
		covered[op.id] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			assert.Truef(t, covered[op.OperationID], "operation %s (%s %s) is not in the operations table", op.OperationID, method, path)
		}
	}
}
