package overlay_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/phlomock/phlomock/openapi/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const doc = `{
  "info": {"title": "T", "version": "1"},
  "servers": [{"url": "https://a"}],
  "paths": {
    "/a": {"get": {"responses": {"200": {"description": "ok"}}}, "post": {"responses": {}}},
    "/b": {"get": {"responses": {"200": {"description": "ok"}}}}
  },
  "components": {"schemas": {"X": {"properties": {"to": {"type": "string"}}}, "Y": {"properties": {"id": {}}}}}
}`

func apply(tb testing.TB, actions string) (any, []string) {
	tb.Helper()
	o, err := overlay.Parse([]byte("overlay: 1.0.0\ninfo: {title: t, version: \"1\"}\nactions:\n" + actions))
	require.NoError(tb, err)
	var d any
	require.NoError(tb, json.Unmarshal([]byte(doc), &d))
	out, unmatched, err := o.Apply(d)
	require.NoError(tb, err)
	return out, unmatched
}

func at(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		actions string
		check   func(t *testing.T, out any)
	}{
		{
			name:    "update merges objects recursively",
			actions: "  - target: $.info\n    update: {description: d, version: \"2\"}\n",
			check: func(t *testing.T, out any) {
				assert.Equal(t, map[string]any{"title": "T", "version": "2", "description": "d"}, at(out, "info"))
			},
		},
		{
			name:    "wildcards reach every operation",
			actions: "  - target: $.paths.*.*.responses\n    update: {\"404\": {description: nf}}\n",
			check: func(t *testing.T, out any) {
				for _, p := range [][2]string{{"/a", "get"}, {"/a", "post"}, {"/b", "get"}} {
					assert.Equal(t, "nf", at(out, "paths", p[0], p[1], "responses", "404", "description"), p)
				}
				assert.Equal(t, "ok", at(out, "paths", "/a", "get", "responses", "200", "description"))
			},
		},
		{
			name:    "bracket names, unions and indexes",
			actions: "  - target: $.paths['/a'][\"get\"]\n    update: {summary: s}\n  - target: $.components.schemas['X','Y']\n    update: {type: object}\n  - target: $.servers[0]\n    update: {description: prod}\n",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "s", at(out, "paths", "/a", "get", "summary"))
				assert.Equal(t, "object", at(out, "components", "schemas", "X", "type"))
				assert.Equal(t, "object", at(out, "components", "schemas", "Y", "type"))
				assert.Equal(t, "prod", at(out, "servers", 0, "description"))
			},
		},
		{
			name:    "update on an array appends",
			actions: "  - target: $.servers\n    update: {url: \"https://b\"}\n",
			check: func(t *testing.T, out any) {
				assert.Len(t, at(out, "servers"), 2)
				assert.Equal(t, "https://b", at(out, "servers", 1, "url"))
			},
		},
		{
			name:    "a wildcard only selects what exists",
			actions: "  - target: $.components.schemas.*.properties.to\n    update: {pattern: '^x$'}\n",
			check: func(t *testing.T, out any) {
				assert.Equal(t, "^x$", at(out, "components", "schemas", "X", "properties", "to", "pattern"))
				assert.NotContains(t, at(out, "components", "schemas", "Y", "properties"), "to")
			},
		},
		{
			name:    "remove then update replaces",
			actions: "  - target: $.paths['/a'].get.responses['200']\n    remove: true\n  - target: $.paths['/a'].get.responses\n    update: {\"200\": {$ref: '#/components/responses/R'}}\n",
			check: func(t *testing.T, out any) {
				assert.Equal(t, map[string]any{"$ref": "#/components/responses/R"}, at(out, "paths", "/a", "get", "responses", "200"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, unmatched := apply(t, tt.actions)
			assert.Empty(t, unmatched)
			tt.check(t, out)
		})
	}
}

func TestApplyUnmatched(t *testing.T) {
	_, unmatched := apply(t, "  - target: $.nope.deeper\n    update: {a: 1}\n")
	assert.Equal(t, []string{`4: target "$.nope.deeper" selects nothing`}, unmatched)
}

func TestApplyDoesNotShareUpdates(t *testing.T) {
	out, _ := apply(t, "  - target: $.paths.*.get\n    update: {tags: [x]}\n")
	tags := at(out, "paths", "/a", "get", "tags").([]any)
	tags[0] = "changed"
	assert.Equal(t, "x", at(out, "paths", "/b", "get", "tags", 0), "each target must get its own copy")
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantLine int
		wantIs   error
	}{
		{"bad version", "overlay: 2.0.0\ninfo: {title: t, version: v}\nactions: [{target: $, remove: true}]\n", 1, overlay.ErrVersion},
		{"unknown field", "overlay: 1.0.0\ninfo: {title: t, version: v}\nactionz: []\n", 3, overlay.ErrInvalid},
		{"no actions", "overlay: 1.0.0\ninfo: {title: t, version: v}\n", 1, overlay.ErrInvalid},
		{"filter target", "overlay: 1.0.0\ninfo: {title: t, version: v}\nactions:\n  - target: $.paths[?(@.x)]\n    remove: true\n", 4, overlay.ErrTarget},
		{"recursive descent", "overlay: 1.0.0\ninfo: {title: t, version: v}\nactions:\n  - target: $..x\n    remove: true\n", 4, overlay.ErrTarget},
		{"update and remove", "overlay: 1.0.0\ninfo: {title: t, version: v}\nactions:\n  - target: $.a\n    remove: true\n    update: {}\n", 4, overlay.ErrInvalid},
		{"not yaml", "overlay: 1.0.0\ninfo: {title: t, version: v}\nactions:\n  - target: $.a\n    update: [\n", 5, overlay.ErrInvalid},
		{"tab indent", "overlay: 1.0.0\n\tinfo: x\n", 2, overlay.ErrInvalid},
		{"missing info", "overlay: 1.0.0\nactions: [{target: $.a, remove: true}]\n", 1, overlay.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := overlay.Parse([]byte(tt.input))
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantIs)
			var oe *overlay.Error
			require.True(t, errors.As(err, &oe), "got %T, want *overlay.Error", err)
			assert.Equal(t, tt.wantLine, oe.Line, "%v", err)
		})
	}
}

func TestApplyRemoveArrayElement(t *testing.T) {
	o, err := overlay.Parse([]byte("overlay: 1.0.0\ninfo: {title: t, version: v}\nactions: [{target: '$.servers[0]', remove: true}]\n"))
	require.NoError(t, err)
	var d any
	require.NoError(t, json.Unmarshal([]byte(doc), &d))
	_, _, err = o.Apply(d)
	assert.ErrorIs(t, err, overlay.ErrTarget)
}
