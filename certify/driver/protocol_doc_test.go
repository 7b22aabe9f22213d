package driver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
)

const protocolDoc = "../../docs/driver-protocol.md"

// docMessages returns every example message of the protocol document: the
// ```json blocks and the lines of the session transcript.
func docMessages(tb testing.TB) []string {
	tb.Helper()
	doc, err := os.ReadFile(protocolDoc)
	require.NoError(tb, err)
	var msgs []string
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1) {
		msgs = append(msgs, string(m[1]))
	}
	transcript := regexp.MustCompile("(?s)```text\n(.*?)```").FindSubmatch(doc)
	require.NotNil(tb, transcript, "the session transcript")
	for _, l := range strings.Split(string(transcript[1]), "\n") {
		switch {
		case strings.HasPrefix(l, "> "), strings.HasPrefix(l, "< "):
			msgs = append(msgs, l[2:])
		case strings.HasPrefix(l, "   ") && len(msgs) > 0:
			msgs[len(msgs)-1] += strings.TrimSpace(l)
		}
	}
	require.Greater(tb, len(msgs), 12)
	return msgs
}

// schemaFor names the schema and Go type of an example message.
func schemaFor(tb testing.TB, msg string) (string, any) {
	tb.Helper()
	var env map[string]any
	require.NoError(tb, json.Unmarshal([]byte(msg), &env), msg)
	switch env["type"] {
	case "hello":
		if _, ok := env["client"]; ok {
			return "hello", &driver.HelloInfo{}
		}
		return "hello-request", &driver.HelloRequest{}
	case "call":
		return "call", &driver.CallMessage{}
	case "result":
		return "result", &driver.Result{}
	case "bye":
		return "bye", &driver.ByeMessage{}
	}
	tb.Fatalf("example of unknown type: %s", msg)
	return "", nil
}

func loadSchema(tb testing.TB, name string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("../../docs/driver-protocol", name+".schema.json"))
	require.NoError(tb, err)
	var s map[string]any
	require.NoError(tb, json.Unmarshal(b, &s), name)
	return s
}

func TestSchemasParse(t *testing.T) {
	files, err := filepath.Glob("../../docs/driver-protocol/*.schema.json")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".schema.json")
		names = append(names, name)
		s := loadSchema(t, name)
		assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", s["$schema"], f)
		assert.NotEmpty(t, s["title"], f)
	}
	assert.ElementsMatch(t, []string{"hello-request", "hello", "call", "result", "bye"}, names)
}

func TestDocExamplesMatchSchemasAndTypes(t *testing.T) {
	for i, msg := range docMessages(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			name, v := schemaFor(t, msg)
			dec := json.NewDecoder(strings.NewReader(msg))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(v), "the Go type %T knows every field of %s", v, msg)
			var doc any
			require.NoError(t, json.Unmarshal([]byte(msg), &doc))
			assert.Empty(t, validate(loadSchema(t, name), doc, ""), "%s against %s.schema.json", msg, name)
		})
	}
}

func TestSchemasReject(t *testing.T) {
	tests := []struct {
		schema, msg string
	}{
		{"result", `{"type":"result","id":"a","outcome":"error"}`},
		{"result", `{"type":"result","id":"a","outcome":"maybe","fields":{}}`},
		{"result", `{"type":"result","id":"a","outcome":"success","fields":{"api_id":5}}`},
		{"call", `{"type":"call","id":"a","operation":"hold","base_url":"http://127.0.0.1:1/","auth_id":"a","auth_token":"b","params":{}}`},
		{"call", `{"type":"call","id":"a","operation":"dance","base_url":"http://127.0.0.1:1","auth_id":"a","auth_token":"b","params":{}}`},
		{"call", `{"type":"call","id":"a","operation":"hold","base_url":"http://127.0.0.1:1","auth_id":"a","auth_token":"b","params":{"role":""}}`},
		{"hello", `{"type":"hello","protocol":1,"client":"x","version":"1"}`},
		{"hello-request", `{"type":"hello","protocol":"1"}`},
		{"hello-request", `{"type":"hello","protocol":3}`},
		{"call", `{"type":"call","id":"a","operation":"hold","base_url":"http://127.0.0.1:1","auth_id":"a","auth_token":"b","params":{},"timeout_ms":0}`},
		{"bye", `{"type":"goodbye"}`},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			var doc any
			require.NoError(t, json.Unmarshal([]byte(tt.msg), &doc))
			assert.NotEmpty(t, validate(loadSchema(t, tt.schema), doc, ""))
		})
	}
}

func TestOperationsMatchDocAndSchema(t *testing.T) {
	call := loadSchema(t, "call")
	enum := call["properties"].(map[string]any)["operation"].(map[string]any)["enum"].([]any)
	var fromSchema []string
	for _, e := range enum {
		fromSchema = append(fromSchema, e.(string))
	}
	assert.Equal(t, driver.Operations, fromSchema)

	doc, err := os.ReadFile(protocolDoc)
	require.NoError(t, err)
	var fromDoc []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(\\w+)` \\|").FindAllSubmatch(doc, -1) {
		fromDoc = append(fromDoc, string(m[1]))
	}
	assert.Equal(t, driver.Operations, fromDoc)
}

// validate checks doc against the subset of JSON Schema 2020-12 that the
// protocol's schemas use, and returns every violation.
func validate(s map[string]any, doc any, at string) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if c, ok := s["const"]; ok && !jsonEqual(c, doc) {
		bad("want %v", c)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, v := range e {
			found = found || jsonEqual(v, doc)
		}
		if !found {
			bad("%v not in enum", doc)
		}
	}
	if obj, ok := doc.(map[string]any); ok {
		for _, r := range asSlice(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				bad("missing %q", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validate(ps, v, at+"/"+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, validate(ap, v, at+"/"+k)...)
			}
		}
	}
	switch s["type"] {
	case "object":
		if _, ok := doc.(map[string]any); !ok {
			bad("not an object")
		}
	case "array":
		arr, ok := doc.([]any)
		if !ok {
			bad("not an array")
			return errs
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, v := range arr {
				errs = append(errs, validate(items, v, fmt.Sprintf("%s/%d", at, i))...)
			}
		}
	case "string":
		str, ok := doc.(string)
		if !ok {
			bad("not a string")
			return errs
		}
		if n, ok := s["minLength"].(float64); ok && float64(len(str)) < n {
			bad("shorter than %v", n)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			bad("does not match %s", p)
		}
	case "integer":
		n, ok := doc.(float64)
		if !ok || n != float64(int64(n)) {
			bad("not an integer")
			return errs
		}
		if m, ok := s["minimum"].(float64); ok && n < m {
			bad("less than %v", m)
		}
	}
	for _, sub := range asSlice(s["allOf"]) {
		sub := sub.(map[string]any)
		if cond, ok := sub["if"].(map[string]any); ok {
			if len(validate(cond, doc, at)) == 0 {
				errs = append(errs, validate(sub["then"].(map[string]any), doc, at)...)
			}
			continue
		}
		errs = append(errs, validate(sub, doc, at)...)
	}
	return errs
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
