package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDBytes is the longest id (path parameter) that can name a resource:
// PHLO and node ids are UUIDs, member addresses E.164 numbers or SIP URIs.
// A longer one answers 404 without being echoed back.
const MaxIDBytes = 256

// badID says why value cannot name a resource ("" when it can): ids are
// short, hold no control characters (a %00 in the path) and are not a path
// step ("..", "."), so the fake never echoes such a value back.
func badID(name, value string) string {
	if value == "." || value == ".." {
		return name + " is " + value
	}
	if len(value) > MaxIDBytes {
		return fmt.Sprintf("%s is %d bytes long; no resource has an id longer than %d bytes", name, len(value), MaxIDBytes)
	}
	if !utf8.ValidString(value) {
		return name + " is not valid UTF-8"
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return fmt.Sprintf("%s holds the control character %U", name, []rune(value[i:])[0])
	}
	return ""
}

// strictJSON finds what encoding/json accepts silently in a body it has
// decoded: bytes that are not UTF-8 (replaced by U+FFFD) and duplicate keys
// (the last one wins), which would make the fake validate something other
// than what the client sent. It returns the problem, or "".
func strictJSON(raw []byte) string {
	if !utf8.Valid(raw) {
		return "the body is not valid UTF-8"
	}
	return duplicateKey(json.NewDecoder(bytes.NewReader(raw)), "")
}

// duplicateKey reads one value from dec and names the first key that
// appears twice in one of its objects. The body was decoded already, so its
// depth is bounded by encoding/json's.
func duplicateKey(dec *json.Decoder, pointer string) string {
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return ""
			}
			k, _ := kt.(string)
			if seen[k] {
				where := "the body"
				if pointer != "" {
					where = pointer
				}
				return fmt.Sprintf("the key %q appears twice in %s", k, where)
			}
			seen[k] = true
			if d := duplicateKey(dec, pointer+"/"+pointerEscaper.Replace(k)); d != "" {
				return d
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if d := duplicateKey(dec, pointer+"/"+strconv.Itoa(i)); d != "" {
				return d
			}
		}
		_, _ = dec.Token()
	}
	return ""
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
