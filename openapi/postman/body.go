package postman

import (
	"bytes"
	"encoding/json"
	"strings"
)

// IsJSON reports whether the body is raw JSON, by its language or, when that
// is missing, by its first character.
func (b *Body) IsJSON() bool {
	if b == nil || b.Mode != "raw" {
		return false
	}
	if b.Language != "" {
		return strings.EqualFold(b.Language, "json")
	}
	t := strings.TrimSpace(b.Raw)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// DecodeJSON decodes a JSON body the way Postman shows it: // and /* */
// comments, which Postman bodies often carry, are removed first. Numbers
// decode as json.Number so that examples keep their exact text.
func DecodeJSON(raw string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(StripComments(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, &json.SyntaxError{}
	}
	return v, nil
}

// StripComments removes // line comments and /* */ block comments outside
// JSON strings, and a comma left dangling before } or ]. Line breaks are
// kept, so positions in errors still point at the right line.
func StripComments(s string) string {
	var b bytes.Buffer
	b.Grow(len(s))
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			b.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			b.WriteByte(c)
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			i += 2
			for i < len(s) && !(s[i] == '*' && i+1 < len(s) && s[i+1] == '/') {
				if s[i] == '\n' {
					b.WriteByte('\n')
				}
				i++
			}
			i++ // past the closing '/'
		case c == '}' || c == ']':
			dropTrailingComma(&b)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func dropTrailingComma(b *bytes.Buffer) {
	buf := b.Bytes()
	i := len(buf) - 1
	for i >= 0 && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r') {
		i--
	}
	if i >= 0 && buf[i] == ',' {
		tail := append([]byte(nil), buf[i+1:]...)
		b.Truncate(i)
		b.Write(tail)
	}
}
