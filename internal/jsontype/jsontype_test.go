package jsontype

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		json, want string
	}{
		{`null`, "null"}, {`true`, "boolean"}, {`1.5`, "number"}, {`"x"`, "string"}, {`[1]`, "array"}, {`{"a":1}`, "object"},
	} {
		var v any
		if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
			t.Fatal(err)
		}
		if got := Of(v); got != tt.want {
			t.Errorf("Of(%s) = %q, want %q", tt.json, got, tt.want)
		}
	}
	for v, want := range map[any]string{json.Number("1"): "number", int64(3): "integer"} {
		if got := Of(v); got != want {
			t.Errorf("Of(%T) = %q, want %q", v, got, want)
		}
	}
	if got := Of(map[string]string{}); got != "object" {
		t.Errorf("Of(map[string]string) = %q, want object", got)
	}
	if got := Name(reflect.TypeOf([]int{})); got != "array" {
		t.Errorf("Name([]int) = %q, want array", got)
	}
}
