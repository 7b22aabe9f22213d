package jsonschema

import (
	"strings"
	"testing"
)

// The validator's messages still read as before the x/text printer was
// replaced: a failed keyword names the value and the limit.
func TestMessagesWithoutXText(t *testing.T) {
	c := NewCompiler()
	doc, err := UnmarshalJSON(strings.NewReader(`{"type":"object","properties":{"n":{"type":"integer","minimum":1000}},"required":["n"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("s.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("s.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := UnmarshalJSON(strings.NewReader(`{"n":5}`))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate(v)
	if err == nil {
		t.Fatal("5 passed minimum 1000")
	}
	msg := err.Error()
	for _, want := range []string{"/n", "minimum", "1000", "5"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}
