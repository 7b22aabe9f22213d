package mockserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

// A spec of another API: each operation secured by another scheme, and
// answers with an example, examples, or neither.
const schemesSpec = `
openapi: 3.0.3
info: {title: Schemes, version: "1"}
paths:
  /basic:
    get:
      operationId: basic
      security: [{basicAuth: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {api_id: {type: string}}}, example: {who: basic}}}}}
  /bearer:
    get:
      operationId: bearer
      security: [{bearerAuth: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}, examples: {b: {value: {who: second}}, a: {value: {who: first}}}}}}}
  /header:
    get:
      operationId: header
      security: [{keyHeader: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}}}
  /query:
    get:
      operationId: query
      security: [{keyQuery: []}]
      responses: {"200": {description: ok}}
  /cookie:
    get:
      operationId: cookie
      security: [{keyCookie: []}]
      responses: {"200": {description: ok}}
  /either:
    get:
      operationId: either
      security: [{bearerAuth: []}, {keyHeader: []}]
      responses: {"200": {description: ok}}
  /both:
    get:
      operationId: both
      security: [{basicAuth: [], keyHeader: []}]
      responses: {"200": {description: ok}}
  /open:
    get:
      operationId: open
      security: []
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
    bearerAuth: {type: http, scheme: bearer}
    keyHeader: {type: apiKey, in: header, name: X-API-Key}
    keyQuery: {type: apiKey, in: query, name: api_key}
    keyCookie: {type: apiKey, in: cookie, name: session}
`

func TestSecuritySchemesAndExamples(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(schemesSpec))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()))
	m, err := mockserver.New(doc, mockserver.Options{AnswerExamples: true, APIToken: "k3y"})
	require.NoError(t, err)
	srv := httptest.NewServer(m)
	defer srv.Close()

	basic := func(r *http.Request) { r.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken) }
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	header := func(r *http.Request) { r.Header.Set("X-API-Key", "k3y") }
	tests := []struct {
		name   string
		path   string
		auth   []func(*http.Request)
		status int
		want   string // in the body
	}{
		{"basic, the example", "/basic", []func(*http.Request){basic}, 200, `{"who":"basic"}`},
		{"basic missing", "/basic", nil, 401, "HTTP Basic"},
		{"bearer, first example by name", "/bearer", []func(*http.Request){bearer("k3y")}, 200, `{"who":"first"}`},
		{"bearer, lower-case scheme word", "/bearer", []func(*http.Request){func(r *http.Request) { r.Header.Set("Authorization", "bearer k3y") }}, 200, "first"},
		{"bearer wrong", "/bearer", []func(*http.Request){bearer("nope")}, 401, "invalid bearer token"},
		{"bearer wanted, basic sent", "/bearer", []func(*http.Request){basic}, 401, "Bearer TOKEN"},
		{"api key header, generated body", "/header", []func(*http.Request){header}, 200, `"n":0`},
		{"api key header missing", "/header", nil, 401, "X-API-Key header"},
		{"api key query", "/query?api_key=k3y", nil, 200, ""},
		{"api key query wrong", "/query?api_key=x", nil, 401, "invalid API key"},
		{"api key cookie", "/cookie", []func(*http.Request){func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: "k3y"}) }}, 200, ""},
		{"either: the second", "/either", []func(*http.Request){header}, 200, ""},
		{"either: neither, the first's refusal", "/either", nil, 401, "Bearer TOKEN"},
		{"both: one is not enough", "/both", []func(*http.Request){basic}, 401, "X-API-Key"},
		{"both", "/both", []func(*http.Request){basic, header}, 200, ""},
		{"open", "/open", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", srv.URL+tt.path, nil)
			require.NoError(t, err)
			for _, a := range tt.auth {
				a(req)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode, "got status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			assert.Contains(t, string(body), tt.want)
		})
	}
}

// Without AnswerExamples (the PHLO runner contract, whose examples are
// saved responses with fixed api_ids) the answer is generated: a fresh
// api_id each time.
func TestExamplesOffByDefault(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(schemesSpec))
	require.NoError(t, err)
	m, err := mockserver.New(doc, mockserver.Options{})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/basic", nil)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	assert.Equal(t, 200, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"api_id":"`)
	assert.NotContains(t, w.Body.String(), "who")
}
