package derive

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/internal/lazyre"
)

var uuidRe = lazyre.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// infer builds a schema from an example value decoded with UseNumber. When
// requireAll is set, every key of every object is required: a saved response
// shows what the server always sends.
func infer(v any, requireAll bool) *openapi3.Schema {
	switch v := v.(type) {
	case nil:
		s := &openapi3.Schema{}
		s.Nullable = true
		return s
	case bool:
		return openapi3.NewBoolSchema()
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return openapi3.NewIntegerSchema()
		}
		return openapi3.NewFloat64Schema()
	case string:
		s := openapi3.NewStringSchema()
		if uuidRe.MatchString(v) {
			s.Format = "uuid"
		}
		return s
	case []any:
		s := openapi3.NewArraySchema()
		if len(v) == 0 {
			s.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
			return s
		}
		s.Items = openapi3.NewSchemaRef("", infer(v[0], requireAll))
		return s
	case map[string]any:
		s := openapi3.NewObjectSchema()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.Properties[k] = openapi3.NewSchemaRef("", infer(v[k], requireAll))
		}
		if requireAll && len(keys) > 0 {
			s.Required = keys
		}
		return s
	}
	return &openapi3.Schema{}
}

// typed converts a table's text value to the schema's type, for enum and
// default; ok is false when it does not fit.
func typed(s *openapi3.Schema, text string) (any, bool) {
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		n, err := strconv.ParseInt(text, 10, 64)
		return n, err == nil
	case s.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(text, 64)
		return f, err == nil
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(text)
		return b, err == nil
	}
	return text, true
}

func typeFromTable(t string) *openapi3.Schema {
	switch t {
	case "integer", "int", "long":
		return openapi3.NewIntegerSchema()
	case "number", "float", "double", "decimal":
		return openapi3.NewFloat64Schema()
	case "boolean", "bool":
		return openapi3.NewBoolSchema()
	case "object":
		return openapi3.NewObjectSchema()
	case "array", "list":
		return openapi3.NewArraySchema().WithItems(&openapi3.Schema{})
	}
	return openapi3.NewStringSchema()
}

// sameShape reports whether two schemas have the same JSON form.
func sameShape(a, b *openapi3.Schema) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// plain turns json.Number values into int64 or float64, so examples marshal
// as numbers in both JSON and YAML.
func plain(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return string(v)
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = plain(v[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plain(e)
		}
		return out
	}
	return v
}
