package mockserver

import (
	"hash/maphash"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/internal/lazyre"
)

// The fast path of body validation. Most requests are valid, flat JSON
// objects of strings (every body of the PHLO API), and the generic path
// (encoding/json into map[string]any, a second token pass for duplicate
// keys, kin-openapi's schema walk) costs more than the rest of the pipeline.
// The fast path parses such a body in one pass and checks it against a
// schema compiled once, in New. It only ever says "valid": whenever it
// meets something it does not handle (an escape, a number, a nested value,
// a duplicate key, a value the schema refuses), the body goes down the
// generic path, which finds and words every violation as before.

// fastObject is an object schema reduced to what the fast path checks; nil
// when the schema uses a keyword the fast path does not implement.
type fastObject struct {
	props    map[string]*fastString
	required []string
}

// fastString is a string property's schema: type string, enum of strings,
// pattern, minLength and maxLength (UTF-16 code units, as kin-openapi),
// format uuid.
type fastString struct {
	enum    []string
	pattern *matcher
	minLen  uint64
	maxLen  *uint64
	uuid    bool // format: uuid
}

// compileFast reduces s to a fastObject, or returns nil when s uses
// anything kin-openapi would check that the fast path does not.
func compileFast(s *openapi3.Schema) *fastObject {
	if s == nil || !exactType(s, openapi3.TypeObject) || !plain(s) ||
		s.MinProps != 0 || s.MaxProps != nil ||
		s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has ||
		s.Discriminator != nil || len(s.Enum) > 0 {
		return nil
	}
	f := &fastObject{props: make(map[string]*fastString, len(s.Properties)), required: slices.Clone(s.Required)}
	for name, ref := range s.Properties {
		if ref == nil || ref.Value == nil {
			return nil
		}
		p := ref.Value
		if !exactType(p, openapi3.TypeString) || !plain(p) || p.Format != "" && p.Format != "uuid" || p.ReadOnly || p.WriteOnly {
			return nil
		}
		fs := &fastString{minLen: p.MinLength, maxLen: p.MaxLength, uuid: p.Format == "uuid"}
		for _, e := range p.Enum {
			v, ok := e.(string)
			if !ok {
				return nil
			}
			fs.enum = append(fs.enum, v)
		}
		if p.Pattern != "" {
			re := compilePattern(p.Pattern)
			if re == nil {
				return nil // the generic path reports the broken pattern
			}
			fs.pattern = re
		}
		f.props[name] = fs
	}
	return f
}

// exactType reports whether s allows exactly one JSON type, typ.
func exactType(s *openapi3.Schema, typ string) bool {
	return s.Type != nil && len(s.Type.Slice()) == 1 && s.Type.Is(typ)
}

// plain reports whether s has no composition or boolean form.
func plain(s *openapi3.Schema) bool {
	return len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0 && s.Not == nil && s.Always == nil &&
		s.If == nil && s.Then == nil && s.Else == nil && len(s.PrefixItems) == 0 &&
		s.Const == nil && s.Contains == nil && s.PropertyNames == nil &&
		len(s.PatternProperties) == 0 && len(s.DependentRequired) == 0 && len(s.DependentSchemas) == 0 &&
		s.UnevaluatedProperties == (openapi3.BoolSchema{}) && s.UnevaluatedItems == (openapi3.BoolSchema{})
}

// patternCodepoint finds the \uXXXX escapes of a JSON Schema pattern, which
// Go's regexp does not read.
var patternCodepoint = lazyre.New(`(?P<u>\\u)(?P<code>[0-9A-F]{4})`)

// goPattern rewrites \uXXXX as \x{XXXX}, as kin-openapi does before
// compiling a pattern, so both paths accept the same strings.
func goPattern(re string) string {
	return patternCodepoint.ReplaceAllString(re, `\x{${code}}`)
}

// patterns caches compiled patterns: the contract repeats one phone-or-SIP
// pattern in every variant, and New compiles each once.
var patterns sync.Map // pattern -> *matcher, nil when it does not compile

func compilePattern(pattern string) *matcher {
	if m, ok := patterns.Load(pattern); ok {
		return m.(*matcher)
	}
	var m *matcher
	if re, err := regexp.Compile(goPattern(pattern)); err == nil {
		m = &matcher{re: re}
	}
	patterns.Store(pattern, m)
	return m
}

// A matcher is a regular expression that remembers the last strings it
// matched: clients send the same few numbers again and again (a load test
// sends one), and a match of the phone-or-SIP pattern took about 300 ns,
// twice a request, where a hit here takes about 10 (BenchmarkColdTransfer).
// Only matches are remembered; a string that does not match is matched
// again each time it comes.
type matcher struct {
	re   interface{ MatchString(string) bool } // a *regexp.Regexp or a *lazyre.Regexp
	seen [matcherSlots]atomic.Pointer[string]
}

// matcherSlots is how many matched strings a matcher keeps, and
// matcherMaxLen the longest it keeps: at most 64 x 64 bytes a pattern.
const (
	matcherSlots  = 64
	matcherMaxLen = 64
)

var matcherSeed = maphash.MakeSeed()

// MatchString reports whether s matches, as regexp.MatchString does. A
// string may be kept in either of two slots, so that two strings sent
// in turn do not push each other out when they share one (a serve
// process whose two phone numbers did matched both on every request).
func (m *matcher) MatchString(s string) bool {
	if len(s) > matcherMaxLen {
		return m.re.MatchString(s)
	}
	h := maphash.String(matcherSeed, s)
	a, b := &m.seen[h%matcherSlots], &m.seen[(h>>32)%matcherSlots]
	if p := a.Load(); p != nil && *p == s {
		return true
	}
	if p := b.Load(); p != nil && *p == s {
		return true
	}
	if !m.re.MatchString(s) {
		return false
	}
	kept := strings.Clone(s) // not the whole body it was cut from
	switch {
	case a.Load() == nil:
		a.Store(&kept)
	case b.Load() == nil:
		b.Store(&kept)
	case h>>63 == 0:
		a.Store(&kept)
	default:
		b.Store(&kept)
	}
	return true
}

// valid reports whether obj certainly satisfies the schema.
func (f *fastObject) valid(obj map[string]any) bool {
	for k, v := range obj {
		p := f.props[k]
		if p == nil {
			continue // additional properties are allowed
		}
		s, ok := v.(string)
		if !ok || !p.valid(s) {
			return false
		}
	}
	for _, k := range f.required {
		if _, ok := obj[k]; !ok {
			return false
		}
	}
	return true
}

func (p *fastString) valid(s string) bool {
	if len(p.enum) > 0 && !slices.Contains(p.enum, s) {
		return false
	}
	if p.minLen != 0 || p.maxLen != nil {
		n := uint64(0)
		for _, r := range s {
			if utf16.IsSurrogate(r) {
				n += 2
			} else {
				n++
			}
		}
		if n < p.minLen || p.maxLen != nil && n > *p.maxLen {
			return false
		}
	}
	if p.uuid && !uuidFormat.MatchString(s) {
		return false
	}
	return p.pattern == nil || p.pattern.MatchString(s)
}

// uuidFormat is the uuid format as package formats checks it. The fast
// path holds every uuid to it, so it says valid only when kin-openapi
// does, with package formats' validator or without any (kin-openapi then
// skips the format).
var uuidFormat = &matcher{re: lazyre.New(openapi3.FormatOfStringForUUIDOfRFC9562)}
