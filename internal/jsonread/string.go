package jsonread

import (
	"unicode/utf16"
	"unicode/utf8"
)

// ReadString reads a string and returns it as encoding/json decodes it:
// escapes unescaped (a surrogate not in a pair is U+FFFD) and each byte
// that is not UTF-8 replaced by U+FFFD. A string with neither is a
// substring of the text, not a copy.
func (r *Reader) ReadString() (string, bool) {
	if r.Peek() != '"' {
		return "", false
	}
	start := r.i + 1
	s, ok, escaped := r.plain()
	if !escaped {
		return s, ok
	}
	return r.unescape(start)
}

// ReadPlainString reads a string that holds no escape and only UTF-8
// (what encoding/json returns as it is): a substring of the text. Any
// other string, or another value, is false.
func (r *Reader) ReadPlainString() (string, bool) {
	if r.Peek() != '"' {
		return "", false
	}
	s, ok, _ := r.plain()
	return s, ok
}

// plain reads the string at r.i when it needs no unescaping (plainString).
func (r *Reader) plain() (s string, ok, escaped bool) {
	s, j, ok, escaped := plainString(r.s, r.i)
	if ok {
		r.i = j
	}
	return s, ok, escaped
}

// plainString reads the string at text[i] (its opening quote) when it
// needs no unescaping, and returns it with the index after its closing
// quote. Otherwise ok is false and escaped says whether unescape may still
// read it (it holds an escape or bytes not UTF-8). It is a function of
// the text, not a method, so that Scan keeps its index in a register.
func plainString(text string, i int) (s string, j int, ok, escaped bool) {
	var high byte
	for j = i + 1; j < len(text); j++ {
		c := text[j]
		if c == '"' {
			s = text[i+1 : j]
			if high >= utf8.RuneSelf && !utf8.ValidString(s) {
				return "", 0, false, true
			}
			return s, j + 1, true, false
		}
		if c == '\\' {
			return "", 0, false, true
		}
		if c < 0x20 {
			return "", 0, false, false
		}
		high |= c
	}
	return "", 0, false, false
}

// unescape reads the string whose text starts at start (after its opening
// quote), as encoding/json's unquote does.
func (r *Reader) unescape(start int) (string, bool) {
	b := make([]byte, 0, len(r.s)-start)
	i := start
	for i < len(r.s) {
		c := r.s[i]
		switch {
		case c == '"':
			r.i = i + 1
			return string(b), true
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			rr, size := utf8.DecodeRuneInString(r.s[i:])
			b = utf8.AppendRune(b, rr)
			i += size
			continue
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(r.s) {
			return "", false
		}
		esc := r.s[i+1]
		i += 2
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
			rr := hex4(r.s, i)
			if rr < 0 {
				return "", false
			}
			i += 4
			if utf16.IsSurrogate(rr) {
				// A pair when the next escape completes it; else U+FFFD,
				// and the next escape is read on its own.
				d := utf8.RuneError
				if i+6 <= len(r.s) && r.s[i] == '\\' && r.s[i+1] == 'u' {
					if d = utf16.DecodeRune(rr, hex4(r.s, i+2)); d != utf8.RuneError {
						i += 6
					}
				}
				rr = d
			}
			b = utf8.AppendRune(b, rr)
		default:
			return "", false
		}
	}
	return "", false
}

// hex4 is the value of the four hex digits at s[i:], -1 if they are not.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var n rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		n = n<<4 | rune(c)
	}
	return n
}

// skipString reads the string at r.i without unescaping it, checking its
// escapes as encoding/json does.
func (r *Reader) skipString() bool {
	for j := r.i + 1; j < len(r.s); j++ {
		switch c := r.s[j]; {
		case c == '"':
			r.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if j+1 >= len(r.s) {
				return false
			}
			switch r.s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if hex4(r.s, j+2) < 0 {
					return false
				}
				j += 5
			default:
				return false
			}
		}
	}
	return false
}
