package jsontype

import (
	"encoding/json"
	"reflect"
)

// Of is the JSON type of a value encoding/json decoded into an any: null,
// boolean, number, string, array or object (a json.Number is a number).
// Another Go value is named by Name's words.
func Of(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return Name(reflect.TypeOf(v))
}

// Name names what a Go type decodes from in JSON's words (object,
// array, ...): a message must not name the parser's own types.
func Name(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "JSON value"
}
