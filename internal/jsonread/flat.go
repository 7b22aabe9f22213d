package jsonread

import "strings"

// Parse parses body (a JSON text, surrounding white space already trimmed)
// when it is a flat object: its values are strings without escapes, true,
// false or null, with no key twice; it then gives what encoding/json
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
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return false
	}
	// The Reader's functions on a local index: Scan is on every request's
	// path, and a Reader's index would live in memory.
	i := skipWS(body, 1)
	if body[i] == '}' {
		return i == len(body)-1
	}
	var seen [MaxKeys]string
	n := 0
	for {
		if body[i] != '"' || n == MaxKeys {
			return false
		}
		key, j, ok, _ := plainString(body, i)
		if !ok {
			return false
		}
		for _, k := range seen[:n] {
			if k == key {
				return false // twice: encoding/json keeps the last
			}
		}
		seen[n], n = key, n+1
		i = skipWS(body, j)
		if body[i] != ':' { // body ends in '}': i is in it
			return false
		}
		i = skipWS(body, i+1)
		var value string
		var kind Kind
		switch body[i] {
		case '"':
			if value, i, ok, _ = plainString(body, i); !ok {
				return false
			}
		case 't':
			value, kind = "true", True
		case 'f':
			value, kind = "false", False
		case 'n':
			value, kind = "null", Null
		default:
			return false
		}
		if kind != String {
			if !strings.HasPrefix(body[i:], value) {
				return false
			}
			i += len(value)
		}
		visit(key, value, kind)
		i = skipWS(body, i)
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
