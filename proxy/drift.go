package proxy

import (
	"bytes"
	"encoding/json"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/internal/jsontype"
	"github.com/phlomock/phlomock/internal/lazyre"
)

// Kind is a kind of difference between the real answer and the fake's.
// Kinds are API: reports, JUnit types and scripts key on them.
type Kind string

// The kinds of difference, in the order reports list them.
const (
	KindStatus       Kind = "status"        // another HTTP status
	KindContentType  Kind = "content-type"  // another media type
	KindBody         Kind = "body"          // one body is JSON, the other is not (or is empty)
	KindFieldAdded   Kind = "field-added"   // the real answer has a field the fake's lacks
	KindFieldRemoved Kind = "field-removed" // the fake's answer has a field the real one lacks
	KindFieldType    Kind = "field-type"    // the field's JSON type differs
	KindValueClass   Kind = "value-class"   // same type, another class of value (a UUID where the fake has text)
	KindErrorText    Kind = "error-text"    // the "error" texts differ
	KindValue        Kind = "value"         // a field compared by value (node_type) differs
)

// Kinds lists every kind in report order.
func Kinds() []Kind {
	return []Kind{KindStatus, KindContentType, KindBody, KindFieldAdded, KindFieldRemoved, KindFieldType, KindValueClass, KindErrorText, KindValue}
}

// A Difference is one way the real answer differs from the fake's. Pointer
// is a JSON pointer into the answer seen as {"status", "headers", "body"}:
// /status, /headers/Content-Type, /body/api_id. Real and Fake are what
// each side had there: a status, a media type, a value's class or type, an
// error text.
type Difference struct {
	Kind    Kind   `json:"kind"`
	Pointer string `json:"pointer"`
	Real    string `json:"real"`
	Fake    string `json:"fake"`
}

// An Answer is one side of an exchange, as Diff compares it.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// comparedByValue are the fields whose values, not only their classes,
// must be equal: their values are not per-request (ids, times) nor the
// account's (names) but the API's own vocabulary. "error" has a kind of
// its own.
var comparedByValue = map[string]bool{"node_type": true}

// Diff returns every difference between the real answer and the fake's,
// sorted by kind then pointer; none means no drift. Values are compared by
// class (see Class): two different api_ids are both UUIDs, no drift. When
// one side succeeded (2xx) and the other did not, only the status and the
// media type are compared: the bodies of a success and of an error have
// nothing in common worth listing.
func Diff(real, fake Answer) []Difference {
	var out []Difference
	if real.Status != fake.Status {
		out = append(out, Difference{Kind: KindStatus, Pointer: "/status", Real: strconv.Itoa(real.Status), Fake: strconv.Itoa(fake.Status)})
	}
	rt, ft := mediaType(real.ContentType, real.Body), mediaType(fake.ContentType, fake.Body)
	if rt != ft {
		out = append(out, Difference{Kind: KindContentType, Pointer: "/headers/Content-Type", Real: rt, Fake: ft})
	}
	if success(real.Status) != success(fake.Status) {
		return out
	}
	rv, rok := decode(real.Body)
	fv, fok := decode(fake.Body)
	switch {
	case rok && fok:
		diffValue(&out, "/body", "", rv, fv)
	case rok != fok:
		out = append(out, Difference{Kind: KindBody, Pointer: "/body", Real: bodyClass(real.Body, rok), Fake: bodyClass(fake.Body, fok)})
	}
	slices.SortStableFunc(out, func(a, b Difference) int {
		if c := slices.Index(Kinds(), a.Kind) - slices.Index(Kinds(), b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Pointer, b.Pointer)
	})
	return out
}

func success(status int) bool { return status >= 200 && status < 300 }

// mediaType is the media type of a Content-Type without its parameters,
// "none" for an empty body without one.
func mediaType(ct string, body []byte) string {
	if ct == "" {
		if len(bytes.TrimSpace(body)) == 0 {
			return "none"
		}
		return "unset"
	}
	if ct == "application/json" {
		return ct // the usual one, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

func decode(body []byte) (any, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, false
	}
	// The API's bodies are flat objects of strings: read those in one
	// pass, the rest (numbers, nesting, escapes) by encoding/json.
	if obj, ok := jsonread.Parse(string(body)); ok {
		return obj, true
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil, false
	}
	return v, true
}

func bodyClass(body []byte, isJSON bool) string {
	switch {
	case isJSON:
		return "JSON"
	case len(bytes.TrimSpace(body)) == 0:
		return "empty"
	}
	return "not JSON"
}

func diffValue(out *[]Difference, ptr, key string, real, fake any) {
	rt, ft := jsontype.Of(real), jsontype.Of(fake)
	if rt != ft {
		*out = append(*out, Difference{Kind: KindFieldType, Pointer: ptr, Real: rt, Fake: ft})
		return
	}
	switch r := real.(type) {
	case map[string]any:
		f := fake.(map[string]any)
		for k, rv := range r {
			fv, ok := f[k]
			if !ok {
				*out = append(*out, Difference{Kind: KindFieldAdded, Pointer: ptr + "/" + escape(k), Real: describe(rv)})
				continue
			}
			rs, rok := rv.(string)
			fs, fok := fv.(string)
			if rok && fok {
				if d, ok := diffString(ptr == "/body" && k == "error", k, rs, fs); ok {
					d.Pointer = ptr + "/" + escape(k)
					*out = append(*out, d)
				}
				continue
			}
			diffValue(out, ptr+"/"+escape(k), k, rv, fv)
		}
		for k, fv := range f {
			if _, ok := r[k]; !ok {
				*out = append(*out, Difference{Kind: KindFieldRemoved, Pointer: ptr + "/" + escape(k), Fake: describe(fv)})
			}
		}
	case []any:
		f := fake.([]any)
		for i := range max(len(r), len(f)) {
			p := ptr + "/" + strconv.Itoa(i)
			switch {
			case i >= len(f):
				*out = append(*out, Difference{Kind: KindFieldAdded, Pointer: p, Real: describe(r[i])})
			case i >= len(r):
				*out = append(*out, Difference{Kind: KindFieldRemoved, Pointer: p, Fake: describe(f[i])})
			default:
				diffValue(out, p, "", r[i], f[i])
			}
		}
	case string:
		if d, ok := diffString(key == "error" && ptr == "/body/error", key, r, fake.(string)); ok {
			d.Pointer = ptr
			*out = append(*out, d)
		}
	}
}

// diffString compares two string values of the field key (isError: the
// body's top-level error), without its pointer: most fields do not differ,
// and their pointers are never built.
func diffString(isError bool, key, r, f string) (Difference, bool) {
	switch {
	case isError:
		if r != f {
			return Difference{Kind: KindErrorText, Real: r, Fake: f}, true
		}
	case comparedByValue[key]:
		if r != f {
			return Difference{Kind: KindValue, Real: r, Fake: f}, true
		}
	case r == f:
	default:
		if rc, fc := Class(r), Class(f); rc != fc {
			return Difference{Kind: KindValueClass, Real: rc, Fake: fc}, true
		}
	}
	return Difference{}, false
}

// describe names a value as a difference shows it: its class for a
// string, else its JSON type.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return Class(s)
	}
	return jsontype.Of(v)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escape(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return pointerEscaper.Replace(key)
}

var (
	e164RE     = lazyre.New(`^\+[1-9][0-9]{6,14}$`)
	sipRE      = lazyre.New(`^sip:[^@\s]+@[^@\s]+$`)
	datetimeRE = lazyre.New(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?$`)
	urlRE      = lazyre.New(`^https?://\S+$`)
)

// The classes of string values Class tells apart.
const (
	ClassUUID     = "uuid"
	ClassPhone    = "phone"    // E.164: +14152225555
	ClassSIP      = "sip"      // sip:alice123@phone.plivo.com
	ClassDateTime = "datetime" // 2020-08-01 09:05:11.846982+00:00, RFC 3339
	ClassURL      = "url"
	ClassEmpty    = "empty"
	ClassText     = "text"
)

// Class is the class of a string value: what it is, not what it says. Two
// api_ids are both ClassUUID; an api_id the real API sent as a number, or
// as "abc", is drift.
func Class(s string) string {
	switch {
	case s == "":
		return ClassEmpty
	case isUUID(s):
		return ClassUUID
	// Each pattern is tried only when the string starts as it must: most
	// values (error texts, names) try none.
	case s[0] == '+' && e164RE.MatchString(s):
		return ClassPhone
	case strings.HasPrefix(s, "sip:") && sipRE.MatchString(s):
		return ClassSIP
	case len(s) >= len("2006-01-02 15:04:05") && s[0] >= '0' && s[0] <= '9' && datetimeRE.MatchString(s):
		return ClassDateTime
	case (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && urlRE.MatchString(s):
		return ClassURL
	}
	return ClassText
}

// isUUID reports whether s is 8-4-4-4-12 hexadecimal digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
