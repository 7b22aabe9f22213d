package mockserver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStrictJSON checks strictJSON against a second reading: for a body
// encoding/json accepts, it reports a duplicate key exactly when decoding
// loses keys, and invalid UTF-8 exactly when the bytes are not UTF-8.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `"x"`, `{"a":1,"b":{"a":2}}`, `{"a":1,"a":2}`, `[{"a":[{"b":1,"b":1}]}]`,
		`{"a":{"a":{"a":1}},"b":[1,{"c":2,"d":3}]}`, "{\"\xff\":1}", `{"a\u0000":1,"a":2}`, `{"\u0061":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return // strictJSON only sees bodies encoding/json accepted
		}
		got := strictJSON(raw)
		switch {
		case !utf8.Valid(raw):
			if got != "the body is not valid UTF-8" {
				t.Fatalf("got %q for %q, want the UTF-8 problem", got, raw)
			}
		case keysOnWire(raw) != keysDecoded(v):
			if !strings.Contains(got, "appears twice") {
				t.Fatalf("got %q for %q (%d keys sent, %d kept), want a duplicate key", got, raw, keysOnWire(raw), keysDecoded(v))
			}
		case got != "":
			t.Fatalf("got %q for %q, want no problem", got, raw)
		}
	})
}

// keysOnWire counts the object keys in raw with a flat state machine over
// the token stream (no recursion, unlike duplicateKey).
func keysOnWire(raw []byte) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var inObject []bool // per open container: is it an object
	expectKey := false
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				inObject = append(inObject, true)
				expectKey = true
				continue
			case '[':
				inObject = append(inObject, false)
				expectKey = false
				continue
			default:
				inObject = inObject[:len(inObject)-1]
			}
		} else if expectKey {
			n++
			expectKey = false
			continue
		}
		// A value ended: in an object, a key comes next.
		expectKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}

func keysDecoded(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := len(v)
		for _, e := range v {
			n += keysDecoded(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range v {
			n += keysDecoded(e)
		}
		return n
	}
	return 0
}
