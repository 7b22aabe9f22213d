package redisstore

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/phlomock/phlomock/mockserver"
)

// An entryDecoder reads the entries of one read of the stream, the JSON
// appendEntry writes, by hand: encoding/json was 86% of reading a full
// 100,000-entry journal (BenchmarkJournalStoreReadFull). Entries share
// equal header and path-parameter maps, as the ring's do (read-only).
// Anything it does not expect (an unknown key, a value of another kind)
// makes decode false, and the caller uses encoding/json.
type entryDecoder struct {
	headers map[string]http.Header
	params  map[string]map[string]string
}

// maxShared bounds the shared maps of one read.
const maxShared = 1024

func (d *entryDecoder) decode(s string, e *mockserver.Entry) bool {
	p := parser{s: s}
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return p.end()
	}
	for {
		key, ok := p.string()
		if !ok || !p.byte(':') {
			return false
		}
		if !d.field(&p, key, e) {
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.end()
	}
}

func (d *entryDecoder) field(p *parser, key string, e *mockserver.Entry) bool {
	var ok bool
	switch key {
	case "time":
		var v string
		if v, ok = p.string(); ok {
			t, err := time.Parse(time.RFC3339Nano, v)
			e.Time, ok = t, err == nil
		}
	case "method":
		e.Method, ok = p.string()
	case "path":
		e.Path, ok = p.string()
	case "raw_query":
		e.RawQuery, ok = p.string()
	case "header":
		start := p.i
		if p.null() {
			return true
		}
		var h http.Header
		if h, ok = p.header(); ok {
			e.Header = share(&d.headers, p.s[start:p.i], h)
		}
	case "body":
		e.Body, ok = p.string()
	case "body_base64":
		e.BodyBase64, ok = p.string()
	case "body_truncated":
		e.BodyTruncated, ok = p.bool()
	case "body_size":
		e.BodySize, ok = p.int()
	case "auth_id":
		e.AuthID, ok = p.string()
	case "operation_id":
		e.OperationID, ok = p.string()
	case "path_params":
		start := p.i
		var m map[string]string
		if m, ok = p.params(); ok {
			e.PathParams = share(&d.params, p.s[start:p.i], m)
		}
	case "lenient":
		e.Lenient, ok = p.strings()
	case "valid":
		e.Valid, ok = p.bool()
	case "violations":
		ok = p.decodeJSON(&e.Violations)
	case "status":
		e.Status, ok = p.int()
	case "answer":
		var raw string
		if raw, ok = p.skip(); ok && raw != "null" {
			e.Answer = mockserver.AnswerBody(raw)
		}
	case "answer_raw": // an answer that is not JSON, its bytes in base64
		var v string
		if v, ok = p.string(); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			e.Answer, ok = b, err == nil
		}
	case "answer_truncated":
		e.AnswerTruncated, ok = p.bool()
	case "answer_size":
		e.AnswerSize, ok = p.int()
	case "source":
		e.Source, ok = p.string()
	case "scenario":
		e.Scenario, ok = p.string()
	case "rule":
		e.Rule, ok = p.string()
	case "call_seq":
		var raw string
		if raw, ok = p.number(); ok {
			n, err := strconv.ParseUint(raw, 10, 64)
			e.CallSeq, ok = n, err == nil
		}
	case "closest":
		ok = p.decodeJSON(&e.Closest)
	case "closest_rule":
		ok = p.decodeJSON(&e.ClosestRule)
	case "duration_ns":
		var raw string
		if raw, ok = p.number(); ok {
			n, err := strconv.ParseInt(raw, 10, 64)
			e.Duration, ok = time.Duration(n), err == nil
		}
	}
	return ok
}

// share returns the read's map for the JSON text key, m when it is new.
func share[M any](cache *map[string]M, key string, m M) M {
	if *cache == nil {
		*cache = map[string]M{}
	}
	if old, ok := (*cache)[key]; ok {
		return old
	}
	if len(*cache) < maxShared {
		(*cache)[key] = m
	}
	return m
}

// A parser reads the JSON text s from i. JSON written by appendEntry has
// no white space, so none is skipped: white space fails the fast decoder
// and encoding/json reads the entry.
type parser struct {
	s string
	i int
}

func (p *parser) end() bool { return p.i == len(p.s) }

func (p *parser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) literal(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *parser) null() bool { return p.literal("null") }

func (p *parser) bool() (v, ok bool) {
	switch {
	case p.literal("true"):
		return true, true
	case p.literal("false"):
		return false, true
	}
	return false, false
}

// number reads an integer's text (what appendEntry writes).
func (p *parser) number() (string, bool) {
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.s[start:p.i], p.i > start && p.s[p.i-1] != '-'
}

func (p *parser) int() (int, bool) {
	raw, ok := p.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(raw)
	return n, err == nil
}

// string reads a JSON string: a substring of s when it has no escape, else
// unescaped as encoding/json does (a lone surrogate is U+FFFD).
func (p *parser) string() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return p.s[start : p.i-1], true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

func (p *parser) escaped(start int) (string, bool) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		esc := p.s[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					save := p.i
					p.i += 2
					if r2, ok = p.hex4(); !ok {
						return "", false
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
					} else {
						r, p.i = utf8.RuneError, save // r2 is read on its own
					}
				} else {
					r = utf8.RuneError
				}
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *parser) strings() ([]string, bool) {
	if p.null() {
		return nil, true
	}
	if !p.byte('[') {
		return nil, false
	}
	out := []string{}
	if p.byte(']') {
		return out, true
	}
	for {
		s, ok := p.string()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if p.byte(',') {
			continue
		}
		return out, p.byte(']')
	}
}

func (p *parser) header() (http.Header, bool) {
	if !p.byte('{') {
		return nil, false
	}
	h := http.Header{}
	if p.byte('}') {
		return h, true
	}
	for {
		k, ok := p.string()
		if !ok || !p.byte(':') {
			return nil, false
		}
		v, ok := p.strings()
		if !ok {
			return nil, false
		}
		h[k] = v
		if p.byte(',') {
			continue
		}
		return h, p.byte('}')
	}
}

func (p *parser) params() (map[string]string, bool) {
	if !p.byte('{') {
		return nil, false
	}
	m := map[string]string{}
	if p.byte('}') {
		return m, true
	}
	for {
		k, ok := p.string()
		if !ok || !p.byte(':') {
			return nil, false
		}
		v, ok := p.string()
		if !ok {
			return nil, false
		}
		m[k] = v
		if p.byte(',') {
			continue
		}
		return m, p.byte('}')
	}
}

// skip reads any JSON value (without white space) and returns its text.
func (p *parser) skip() (string, bool) {
	start := p.i
	if p.i >= len(p.s) {
		return "", false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		if _, ok := p.string(); !ok {
			return "", false
		}
	case c == '{' || c == '[':
		if !p.nested() {
			return "", false
		}
	case c == 't' || c == 'f':
		if _, ok := p.bool(); !ok {
			return "", false
		}
	case c == 'n':
		if !p.null() {
			return "", false
		}
	default:
		for p.i < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.i]) >= 0 {
			p.i++
		}
		if p.i == start {
			return "", false
		}
	}
	return p.s[start:p.i], true
}

// nested skips an object or array to its end: brackets are counted
// outside strings. It does not check the value: appendEntry embeds only
// valid JSON (an answer json.Valid accepted, encoding/json's output), and
// AnswerBody.MarshalJSON checks an answer again before sending it as JSON.
func (p *parser) nested() bool {
	depth := 0
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '"':
			if _, ok := p.skipString(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		}
		p.i++
	}
	return false
}

// skipString skips a JSON string without unescaping it.
func (p *parser) skipString() (string, bool) {
	start := p.i
	p.i++ // the opening quote
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return p.s[start:p.i], true
		}
		p.i++
	}
	return "", false
}

// decodeJSON reads a value into v with encoding/json (the rare fields).
func (p *parser) decodeJSON(v any) bool {
	raw, ok := p.skip()
	return ok && json.Unmarshal([]byte(raw), v) == nil
}
