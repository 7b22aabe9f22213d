package flatjson

import "unicode/utf8"

// Parse parses body (a JSON text, surrounding white space already trimmed)
// when it is an object whose values are strings without escapes, true,
// false or null, with no key twice, and then gives what encoding/json
// would decode into a map[string]any. ok=false means encoding/json must
// read it; it is not an error. Keys and values are substrings of body:
// nothing is copied.
func Parse(body string) (obj map[string]any, ok bool) {
	obj = make(map[string]any, 8)
	if !ParseInto(body, obj) {
		return nil, false
	}
	return obj, true
}

// ParseInto is Parse into obj, emptied first, for a caller that reads many
// bodies one after the other: after false, obj holds nothing usable.
func ParseInto(body string, obj map[string]any) (ok bool) {
	clear(obj)
	return Scan(body, func(key, value string, kind Kind) {
		switch kind {
		case String:
			obj[key] = value
		case True:
			obj[key] = true
		case False:
			obj[key] = false
		default:
			obj[key] = nil
		}
	})
}

// Kind is the JSON kind of a value Scan reads.
type Kind uint8

// The kinds of value of a flat object.
const (
	String Kind = iota
	True
	False
	Null
)

// MaxKeys is the most keys Scan reads in one object; a body with more is
// left to encoding/json.
const MaxKeys = 32

// Scan reads body as Parse does, giving each key and value to visit in
// order (value is the string's text, or "true", "false" or "null"), without
// allocating. ok=false (not flat, or more than MaxKeys keys) means
// encoding/json must read it: visit may have seen part of it.
func Scan(body string, visit func(key, value string, kind Kind)) (ok bool) {
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' || !utf8.ValidString(body) {
		return false
	}
	i := skipWS(body, 1)
	if i < len(body) && body[i] == '}' {
		return i == len(body)-1
	}
	var seen [MaxKeys]string
	n := 0
	for {
		key, j, ok := flatString(body, i)
		if !ok || n == MaxKeys {
			return false
		}
		for _, k := range seen[:n] {
			if k == key {
				return false // twice: encoding/json keeps the last
			}
		}
		seen[n], n = key, n+1
		i = skipWS(body, j)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipWS(body, i+1)
		if i >= len(body) {
			return false
		}
		var value string
		var kind Kind
		switch body[i] {
		case '"':
			s, j, ok := flatString(body, i)
			if !ok {
				return false
			}
			value, kind, i = s, String, j
		case 't':
			if len(body)-i < 4 || body[i:i+4] != "true" {
				return false
			}
			value, kind, i = "true", True, i+4
		case 'f':
			if len(body)-i < 5 || body[i:i+5] != "false" {
				return false
			}
			value, kind, i = "false", False, i+5
		case 'n':
			if len(body)-i < 4 || body[i:i+4] != "null" {
				return false
			}
			value, kind, i = "null", Null, i+4
		default:
			return false
		}
		visit(key, value, kind)
		i = skipWS(body, i)
		if i >= len(body) {
			return false
		}
		switch body[i] {
		case ',':
			i = skipWS(body, i+1)
		case '}':
			return i == len(body)-1
		default:
			return false
		}
	}
}

// flatString reads the JSON string starting at body[i] ('"'), which must
// hold no escape and no control character, and returns it with the index
// after its closing quote.
func flatString(body string, i int) (string, int, bool) {
	if i >= len(body) || body[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(body); j++ {
		switch c := body[j]; {
		case c == '"':
			return body[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
