package director_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// A scenario can answer what the contract never would, to exercise a
// client's error path: an empty body, an HTML page. Over HTTP, with the
// fake checking its answers (faketest always does), the rule's answer
// arrives as written, not as a 500.
func TestRawRuleAnswers(t *testing.T) {
	const html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
	sc, err := scenarios.Parse("raw.yaml", []byte(`version: 1
name: raw
rules:
  - name: empty
    match: {operation: getPhlo}
    respond: {status: 400, body: ""}
  - name: html
    match: {operation: updateMultiPartyCall}
    respond:
      status: 502
      headers: {Content-Type: text/html}
      body: "`+html+`"
  - name: broken-success
    match: {operation: runPhlo}
    respond: {status: 201, body: {api_id: not-a-uuid}}
`))
	require.NoError(t, err)
	s := faketest.NewServer(t, fake.Config{Active: []*scenarios.Scenario{sc}})

	tests := []struct {
		name, method, path, body string
		status                   int
		contentType, want        string
	}{
		{"empty", "GET", phloPath, "", 400, "", ""},
		{"html", "POST", nodePath, `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`, 502, "text/html", html + "\n"},
		{"broken-success", "POST", runPath, `{}`, 201, "application/json", `{"api_id":"not-a-uuid"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := s.Client().Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.StatusCode, "body %q", raw)
			assert.Equal(t, tt.contentType, res.Header.Get("Content-Type"))
			assert.Equal(t, tt.want, string(raw))

			e := s.Journal(mockserver.Filter{Limit: 1})[0]
			assert.Equal(t, tt.name, e.Rule)
			assert.Equal(t, strings.TrimSuffix(tt.want, "\n"), string(e.Answer))
			assert.Empty(t, e.Violations)
		})
	}
}
