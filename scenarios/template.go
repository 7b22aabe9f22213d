package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/jsonstr"
)

// A body template is precompiled into literal bytes and references to request
// values, so rendering is appends only. Values are always JSON-escaped: a
// request cannot inject JSON structure into an answer.

type refKind uint8

const (
	refNone refKind = iota
	refAPIID
	refAuthID
	refOperation
	refMethod
	refPath
	refPathParam
	refBody
	refHeader
)

type segment struct {
	lit []byte
	ref refKind
	key string
}

type template struct {
	segs []segment
}

func (t *template) render(dst []byte, apiID string, req *Request) []byte {
	for i := range t.segs {
		s := &t.segs[i]
		if s.ref == refNone {
			dst = append(dst, s.lit...)
			continue
		}
		dst = appendEscaped(dst, lookup(s, apiID, req))
	}
	return dst
}

// bound is at most how many bytes render appends: the literals, and six
// bytes for each byte of each value (a control character is \u00XX).
func (t *template) bound(apiID string, req *Request) int {
	n := 0
	for i := range t.segs {
		s := &t.segs[i]
		if s.ref == refNone {
			n += len(s.lit)
			continue
		}
		n += 6 * len(lookup(s, apiID, req))
	}
	return n
}

func lookup(s *segment, apiID string, req *Request) string {
	switch s.ref {
	case refAPIID:
		return apiID
	case refAuthID:
		return req.AuthID
	case refOperation:
		return req.OperationID
	case refMethod:
		return req.Method
	case refPath:
		return req.Path
	case refPathParam:
		return req.PathParams[s.key]
	case refBody:
		return text(req.Body[s.key])
	case refHeader:
		return req.Header.Get(s.key)
	}
	return ""
}

// text is the textual form of a JSON value, for templates and matching.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// appendEscaped appends s as the content of a JSON string (no quotes),
// escaping as encoding/json does (<, > and & too, so answers are safe to
// embed), without allocating.
func appendEscaped(dst []byte, s string) []byte { return jsonstr.AppendContent(dst, s, true) }

type part struct {
	lit string
	ref refKind
	key string
}

// splitTemplate cuts s into literals and {{placeholders}}.
func splitTemplate(s string) ([]part, error) {
	var parts []part
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				parts = append(parts, part{lit: s})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, part{lit: s[:i]})
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unclosed placeholder in %q", s)
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		p, err := placeholder(name)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
		s = s[i+j+2:]
	}
}

func placeholder(name string) (part, error) {
	switch name {
	case "api_id":
		return part{ref: refAPIID}, nil
	case "auth_id":
		return part{ref: refAuthID}, nil
	case "operation":
		return part{ref: refOperation}, nil
	case "method":
		return part{ref: refMethod}, nil
	case "path":
		return part{ref: refPath}, nil
	}
	prefix, key, ok := strings.Cut(name, ".")
	if ok && key != "" {
		switch prefix {
		case "path":
			return part{ref: refPathParam, key: key}, nil
		case "body":
			return part{ref: refBody, key: key}, nil
		case "header":
			return part{ref: refHeader, key: key}, nil
		}
	}
	return part{}, fmt.Errorf("unknown placeholder {{%s}}: want api_id, auth_id, operation, method, path, path.NAME, body.NAME or header.NAME", name)
}

// checkTemplate reports the first bad placeholder in a body.
func checkTemplate(body any) error {
	_, err := compileBody(body, false)
	return err
}

// compileBody compiles a JSON value (raw false) or raw text (raw true).
func compileBody(body any, raw bool) (*template, error) {
	c := &compiler{}
	if raw {
		s, _ := body.(string)
		if err := c.str(s, false); err != nil {
			return nil, err
		}
	} else if err := c.value(body); err != nil {
		return nil, err
	}
	c.flush()
	return &template{segs: c.segs}, nil
}

type compiler struct {
	segs []segment
	lit  []byte
}

func (c *compiler) flush() {
	if len(c.lit) > 0 {
		c.segs = append(c.segs, segment{lit: c.lit})
		c.lit = nil
	}
}

func (c *compiler) str(s string, quoted bool) error {
	parts, err := splitTemplate(s)
	if err != nil {
		return err
	}
	if quoted {
		c.lit = append(c.lit, '"')
	}
	for _, p := range parts {
		if p.ref == refNone {
			if quoted {
				c.lit = appendEscaped(c.lit, p.lit)
			} else {
				c.lit = append(c.lit, p.lit...)
			}
			continue
		}
		c.flush()
		c.segs = append(c.segs, segment{ref: p.ref, key: p.key})
	}
	if quoted {
		c.lit = append(c.lit, '"')
	}
	return nil
}

func (c *compiler) value(v any) error {
	switch v := v.(type) {
	case string:
		return c.str(v, true)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		c.lit = append(c.lit, '{')
		for i, k := range keys {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			c.lit = append(c.lit, '"')
			c.lit = appendEscaped(c.lit, k)
			c.lit = append(c.lit, '"', ':')
			if err := c.value(v[k]); err != nil {
				return err
			}
		}
		c.lit = append(c.lit, '}')
	case []any:
		c.lit = append(c.lit, '[')
		for i, e := range v {
			if i > 0 {
				c.lit = append(c.lit, ',')
			}
			if err := c.value(e); err != nil {
				return err
			}
		}
		c.lit = append(c.lit, ']')
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("body value %v: %w", v, err)
		}
		c.lit = append(c.lit, b...)
	}
	return nil
}
