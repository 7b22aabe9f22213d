package postman_test

import (
	"errors"
	"os"
	"testing"

	"github.com/phlomock/phlomock/openapi/postman"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(tb, err)
	return data
}

func TestParseSeed(t *testing.T) {
	c, err := postman.Parse(readFixture(t, "seed.postman_collection.json"))
	require.NoError(t, err)
	require.Len(t, c.Items, 1)
	it := c.Items[0]
	assert.Equal(t, "Cold transfer a caller", it.Name)
	require.NotNil(t, it.Request)
	assert.Equal(t, "POST", it.Request.Method)
	assert.Equal(t, []string{"phlorunner", "plivo", "com"}, it.Request.URL.Host)
	assert.Equal(t, []string{"v1", "phlo", "{phlo_id}", "multi_party_call", "{node_id}"}, it.Request.URL.Path)
	assert.Equal(t, "https", it.Request.URL.Protocol)
	require.NotNil(t, it.Request.Body)
	assert.Equal(t, "json", it.Request.Body.Language)
	assert.True(t, it.Request.Body.IsJSON())
	assert.Contains(t, it.Request.Description, "| role | Role of the user")
	require.Len(t, it.Responses, 1)
	assert.Equal(t, 200, it.Responses[0].Code)
	assert.Contains(t, it.Responses[0].Body, "8c77b816")

	// The saved original request carries // comments; it must still decode.
	orig := it.Responses[0].OriginalRequest
	require.NotNil(t, orig)
	v, err := postman.DecodeJSON(orig.Body.Raw)
	require.NoError(t, err)
	assert.Equal(t, "agent", v.(map[string]any)["role"])
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, c *postman.Collection)
	}{
		{
			name:  "url as a string with :var, {{var}} and a query",
			input: `{"info":{"name":"x"},"item":[{"name":"i","request":{"method":"get","url":"{{base}}/v1/users/:id/{{kind}}?limit=10&q"}}]}`,
			check: func(t *testing.T, c *postman.Collection) {
				u := c.Items[0].Request.URL
				assert.Equal(t, "GET", c.Items[0].Request.Method)
				assert.Equal(t, []string{"{{base}}"}, u.Host)
				assert.Equal(t, []string{"v1", "users", ":id", "{{kind}}"}, u.Path)
				assert.Equal(t, []postman.KeyValue{{Key: "limit", Value: "10"}, {Key: "q"}}, u.Query)
			},
		},
		{
			name:  "request as a bare URL string",
			input: `{"info":{"name":"x"},"item":[{"name":"i","request":"https://api.example.com:8443/v2/things"}]}`,
			check: func(t *testing.T, c *postman.Collection) {
				u := c.Items[0].Request.URL
				assert.Equal(t, "GET", c.Items[0].Request.Method)
				assert.Equal(t, "https", u.Protocol)
				assert.Equal(t, "8443", u.Port)
				assert.Equal(t, []string{"api", "example", "com"}, u.Host)
				assert.Equal(t, []string{"v2", "things"}, u.Path)
			},
		},
		{
			name: "folders, descriptions as objects, v2.0 auth map, path objects, header string",
			input: `{"info":{"name":"x","description":{"content":"# API"}},"auth":{"type":"bearer","bearer":[{"key":"token","value":"{{t}}"}]},
				"item":[{"name":"F","auth":{"type":"basic","basic":{"username":"u","password":"p"}},"item":[
				{"name":"i","description":{"content":"md","type":"text/markdown"},
				 "request":{"method":"PUT","header":"X-A: 1\nX-B: two","url":{"host":"example.com","path":["v1",{"type":"string","value":":id"}]}}}]}]}`,
			check: func(t *testing.T, c *postman.Collection) {
				assert.Equal(t, "# API", c.Description)
				assert.Equal(t, &postman.Auth{Type: "bearer", Params: map[string]string{"token": "{{t}}"}}, c.Auth)
				f := c.Items[0]
				assert.True(t, f.IsFolder())
				assert.Equal(t, map[string]string{"username": "u", "password": "p"}, f.Auth.Params)
				it := f.Items[0]
				assert.Equal(t, "md", it.Description)
				assert.Equal(t, []string{"example", "com"}, it.Request.URL.Host)
				assert.Equal(t, []string{"v1", ":id"}, it.Request.URL.Path)
				v, ok := postman.Header(it.Request.Headers, "x-b")
				assert.True(t, ok)
				assert.Equal(t, "two", v)
			},
		},
		{
			name:  "numbers and booleans as values",
			input: `{"info":{"name":"x"},"item":[{"name":"i","request":{"url":{"raw":"http://h/p","query":[{"key":"n","value":3},{"key":"b","value":true,"disabled":true}]}}}]}`,
			check: func(t *testing.T, c *postman.Collection) {
				q := c.Items[0].Request.URL.Query
				assert.Equal(t, []postman.KeyValue{{Key: "n", Value: "3"}, {Key: "b", Value: "true", Disabled: true}}, q)
				assert.Equal(t, []string{"p"}, c.Items[0].Request.URL.Path, "path from raw when host/path are absent")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := postman.Parse([]byte(tt.input))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		wantLine   int
		wantColumn int
		wantPath   string
		wantIs     error
	}{
		{name: "syntax error", input: "{\n  \"info\": {\"name\": \"x\"},\n  \"item\": [,]\n}", wantLine: 3, wantColumn: 12},
		{name: "wrong type", input: "{\"info\": {\"name\": \"x\"},\n \"item\": {}}", wantLine: 2, wantColumn: 11},
		{name: "empty", input: "", wantLine: 1, wantColumn: 1},
		{name: "truncated", input: "{\"info\": {\"name\": \"x\"},\n \"item\": [\n", wantLine: 3, wantColumn: 1},
		{name: "not a collection", input: `{"openapi": "3.0.0"}`, wantLine: 1, wantColumn: 1, wantIs: postman.ErrNotCollection},
		{name: "trailing data", input: `{"info":{},"item":[]} {}`, wantLine: 1, wantColumn: 24},
		{name: "item neither folder nor request", input: `{"info":{},"item":[{"name":"F","item":[{"name":"x"}]}]}`, wantPath: "F/x"},
		{name: "bad url", input: `{"info":{},"item":[{"name":"x","request":{"url":42}}]}`, wantPath: "x"},
		{name: "bad auth", input: `{"info":{},"item":[{"name":"x","request":{"url":"h","auth":{"basic":[]}}}]}`, wantPath: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postman.Parse([]byte(tt.input))
			require.Error(t, err)
			var pe *postman.ParseError
			require.True(t, errors.As(err, &pe), "got %T, want *postman.ParseError", err)
			assert.Equal(t, tt.wantLine, pe.Line, "line: %v", err)
			assert.Equal(t, tt.wantColumn, pe.Column, "column: %v", err)
			assert.Equal(t, tt.wantPath, pe.Path)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"line comment", "{\"a\": 1, // one\n\"b\": 2}", "{\"a\": 1, \n\"b\": 2}"},
		{"url in a string", `{"u": "https://x/y"} // c`, `{"u": "https://x/y"} `},
		{"escaped quote", `{"u": "a\"//b"}`, `{"u": "a\"//b"}`},
		{"block comment", "{\"a\": /* x\n y */ 1}", "{\"a\": \n 1}"},
		{"trailing comma", `{"a": 1, // last` + "\n}", "{\"a\": 1 \n}"},
		{"unterminated block", `{"a": /* x`, `{"a": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := postman.StripComments(tt.in)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A type mismatch is told in JSON's words, never with the parser's Go types.
func TestParseTypeErrorsNameNoGoType(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"document is an array", `[1, 2]`, "1:2: want object, got array"},
		{"info is an array", `{"info": [], "item": []}`, "info: want object, got array"},
		{"item is an object", `{"info": {"name": "x"}, "item": {}}`, "item: want array, got object"},
		{"name is a number", `{"info": {"name": 7}, "item": []}`, "info.name: want string, got number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postman.Parse([]byte(tt.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "postman.", "got %q, which names a Go type", err)
			assert.NotContains(t, err.Error(), "raw", "got %q, which names a Go type", err)
		})
	}
}
