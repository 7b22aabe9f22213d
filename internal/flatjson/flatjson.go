// Package flatjson reads the JSON bodies of the PHLO runner API, flat
// objects of plain strings, in one pass and several times faster than
// encoding/json: the fake's request and answer checks and verify's body
// criteria read every body through it first. It reads only what it can
// read exactly as encoding/json does, and says so; anything else (an
// escape, a number, a nested value, a duplicate key) is left to
// encoding/json by its caller.
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
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' || !utf8.ValidString(body) {
		return false
	}
	i := skipWS(body, 1)
	if i < len(body) && body[i] == '}' {
		return i == len(body)-1
	}
	for {
		key, j, ok := flatString(body, i)
		if !ok {
			return false
		}
		if _, dup := obj[key]; dup {
			return false
		}
		i = skipWS(body, j)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipWS(body, i+1)
		if i >= len(body) {
			return false
		}
		var v any
		switch body[i] {
		case '"':
			s, j, ok := flatString(body, i)
			if !ok {
				return false
			}
			v, i = s, j
		case 't':
			if len(body)-i < 4 || body[i:i+4] != "true" {
				return false
			}
			v, i = true, i+4
		case 'f':
			if len(body)-i < 5 || body[i:i+5] != "false" {
				return false
			}
			v, i = false, i+5
		case 'n':
			if len(body)-i < 4 || body[i:i+4] != "null" {
				return false
			}
			v, i = nil, i+4
		default:
			return false
		}
		obj[key] = v
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
