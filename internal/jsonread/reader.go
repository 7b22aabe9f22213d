package jsonread

import (
	"strconv"
	"strings"
)

// A Reader reads one JSON text, token by token, from its start. Each Read
// method skips the white space before its token and, when the token is
// what it reads, consumes it and returns ok; otherwise it returns false and
// the Reader is spent: the caller gives the text to encoding/json.
type Reader struct {
	s string
	i int
}

// NewReader returns a Reader of the JSON text s.
func NewReader(s string) Reader { return Reader{s: s} }

func (r *Reader) skipWS() { r.i = skipWS(r.s, r.i) }

// skipWS returns the index of the first byte from s[i] that is not white
// space.
func skipWS(s string, i int) int {
	for i < len(s) && s[i] <= ' ' && isSpace(s[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// End reports whether nothing but white space is left.
func (r *Reader) End() bool {
	r.skipWS()
	return r.i == len(r.s)
}

// Peek returns the first byte of the next token without reading it, 0 at
// the end of the text.
func (r *Reader) Peek() byte {
	r.skipWS()
	if r.i == len(r.s) {
		return 0
	}
	return r.s[r.i]
}

// Delim reads c, one of { } [ ] : and ,.
func (r *Reader) Delim(c byte) bool {
	r.skipWS()
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *Reader) literal(lit string) bool {
	r.skipWS()
	if strings.HasPrefix(r.s[r.i:], lit) {
		r.i += len(lit)
		return true
	}
	return false
}

// ReadNull reads null.
func (r *Reader) ReadNull() bool { return r.literal("null") }

// ReadBool reads true or false.
func (r *Reader) ReadBool() (v, ok bool) {
	switch r.Peek() {
	case 't':
		return true, r.literal("true")
	case 'f':
		return false, r.literal("false")
	}
	return false, false
}

// ReadNumber reads a JSON number and returns its text.
func (r *Reader) ReadNumber() (string, bool) {
	r.skipWS()
	start := r.i
	if !r.number() {
		return "", false
	}
	return r.s[start:r.i], true
}

// ReadInt reads a number that is an integer of bitSize bits, as
// encoding/json reads one into an int of that size.
func (r *Reader) ReadInt(bitSize int) (int64, bool) {
	raw, ok := r.ReadNumber()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(raw, 10, bitSize)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ReadUint reads a number that is an unsigned integer of bitSize bits.
func (r *Reader) ReadUint(bitSize int) (uint64, bool) {
	raw, ok := r.ReadNumber()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(raw, 10, bitSize)
	if err != nil {
		return 0, false
	}
	return n, true
}

// number reads the grammar of RFC 8259's number from r.i.
func (r *Reader) number() bool {
	if r.i < len(r.s) && r.s[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i == len(r.s):
		return false
	case r.s[r.i] == '0':
		r.i++
	case r.s[r.i] >= '1' && r.s[r.i] <= '9':
		r.digits()
	default:
		return false
	}
	if r.i < len(r.s) && r.s[r.i] == '.' {
		r.i++
		if !r.digits() {
			return false
		}
	}
	if r.i < len(r.s) && (r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		r.i++
		if r.i < len(r.s) && (r.s[r.i] == '+' || r.s[r.i] == '-') {
			r.i++
		}
		if !r.digits() {
			return false
		}
	}
	return true
}

// digits reads one digit or more.
func (r *Reader) digits() bool {
	start := r.i
	for r.i < len(r.s) && r.s[r.i] >= '0' && r.s[r.i] <= '9' {
		r.i++
	}
	return r.i > start
}

// MaxDepth is how deep ReadValue reads nested objects and arrays; deeper
// is not read (encoding/json refuses only past 10,000).
const MaxDepth = 1000

// ReadValue reads any JSON value and returns its text, as it is, checked
// as encoding/json checks it (strings may hold bytes that are not UTF-8).
func (r *Reader) ReadValue() (string, bool) {
	r.skipWS()
	start := r.i
	if !r.value(0) {
		return "", false
	}
	return r.s[start:r.i], true
}

func (r *Reader) value(depth int) bool {
	switch r.Peek() {
	case '"':
		return r.skipString()
	case '{':
		return depth < MaxDepth && r.object(depth+1)
	case '[':
		return depth < MaxDepth && r.array(depth+1)
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	}
	return r.number()
}

func (r *Reader) object(depth int) bool {
	r.i++ // {
	if r.Delim('}') {
		return true
	}
	for {
		if r.Peek() != '"' || !r.skipString() || !r.Delim(':') || !r.value(depth) {
			return false
		}
		if !r.Delim(',') {
			return r.Delim('}')
		}
	}
}

func (r *Reader) array(depth int) bool {
	r.i++ // [
	if r.Delim(']') {
		return true
	}
	for {
		if !r.value(depth) {
			return false
		}
		if !r.Delim(',') {
			return r.Delim(']')
		}
	}
}
