package scenarios

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/jsonread"
)

// A Matcher is a compiled Match: the one request matcher of phlomock. Rules
// use it, and so do the control plane's verification and journal filters
// (package mockserver/director), so a pattern selects the same requests
// wherever it is written. It is plain Go, safe for concurrent use.
//
// The fields of a Match are compared so:
//
//	operation    equal to the contract's operation id
//	method       equal, ignoring case
//	path         a path.Match pattern ("*" is one segment; "**" is no
//	             different), matched against the path as received. A
//	             trailing slash is ignored on both sides ("/" stays "/"), and
//	             a pattern is never compared as plain text: a path holding
//	             a pattern character ("[") needs it escaped ("\[")
//	path_params  each named parameter equal
//	body         each named top-level field of the JSON body present and
//	             equal as text: 1, "1" and 1.0 are equal, true and "true" too
//	headers      each named header's first value equal (names ignore case)
//	auth_id      equal to the Basic-auth user
type Matcher struct {
	operation  string
	method     string
	path       string
	pathParams []kv
	body       []bodyField
	headers    []kv
	authID     string
}

// NewMatcher compiles m. It fails on a path that is not a path.Match pattern.
func NewMatcher(m Match) (*Matcher, error) {
	if _, err := path.Match(m.Path, ""); err != nil {
		return nil, fmt.Errorf("bad path pattern %q: %w", m.Path, err)
	}
	mt := &Matcher{
		operation: m.Operation,
		method:    m.Method,
		path:      trimSlash(m.Path),
		authID:    m.AuthID,
	}
	for _, k := range sortedKeys(m.PathParams) {
		mt.pathParams = append(mt.pathParams, kv{k, m.PathParams[k]})
	}
	for _, k := range sortedKeys(m.Body) {
		v := m.Body[k]
		f := bodyField{k: k, v: v}
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			f.num, f.isNum = n, true
		}
		mt.body = append(mt.body, f)
	}
	for _, k := range sortedKeys(m.Headers) {
		mt.headers = append(mt.headers, kv{http.CanonicalHeaderKey(k), m.Headers[k]})
	}
	return mt, nil
}

func trimSlash(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Matches reports whether req is one of the requests m selects. It does not
// allocate.
func (m *Matcher) Matches(req *Request) bool {
	return m.endpoint(req) && m.details(req)
}

// endpoint reports whether req goes where m aims: its operation, method and
// path. A rule that aims right but misses on the details "came close".
func (m *Matcher) endpoint(req *Request) bool {
	if m.operation != "" && m.operation != req.OperationID {
		return false
	}
	if m.method != "" && !strings.EqualFold(m.method, req.Method) {
		return false
	}
	if m.path != "" {
		if ok, _ := path.Match(m.path, trimSlash(req.Path)); !ok {
			return false
		}
	}
	return true
}

func (m *Matcher) details(req *Request) bool {
	return m.notBody(req) && m.bodyMatches(req.Body)
}

// notBody: every detail but the body's fields.
func (m *Matcher) notBody(req *Request) bool {
	for _, f := range m.pathParams {
		if req.PathParams[f.k] != f.v {
			return false
		}
	}
	for _, f := range m.headers {
		if req.Header.Get(f.k) != f.v {
			return false
		}
	}
	return m.authID == "" || m.authID == req.AuthID
}

func (m *Matcher) bodyMatches(body map[string]any) bool {
	for i := range m.body {
		f := &m.body[i]
		v, ok := body[f.k]
		if !ok || !f.equal(v) {
			return false
		}
	}
	return true
}

// MatchesRaw is Matches for a request whose body is still its JSON text
// (req.Body is not read): the body is looked at last, only when the rest
// matches and the matcher names body fields, and a flat object
// (jsonread.Scan) is read in place, without decoding or allocating. A body
// that is not a JSON object has no fields.
func (m *Matcher) MatchesRaw(req *Request, body string) bool {
	if !m.endpoint(req) || !m.notBody(req) {
		return false
	}
	if len(m.body) == 0 {
		return true
	}
	body = strings.TrimSpace(body)
	if len(m.body) < 64 {
		var found uint64
		equal := true
		flat := jsonread.Scan(body, func(key, value string, kind jsonread.Kind) {
			for i := range m.body {
				if f := &m.body[i]; f.k == key {
					found |= 1 << i
					equal = equal && f.equalFlat(value, kind)
				}
			}
		})
		if flat {
			return equal && found == 1<<len(m.body)-1
		}
	}
	var decoded map[string]any
	_ = json.Unmarshal([]byte(body), &decoded) // not an object: no fields
	return m.bodyMatches(decoded)
}

// A Difference is one reason a matcher did not select a request: the field
// (operation, method, path, path_params.NAME, body.NAME, headers.NAME,
// auth_id; the control plane adds status, scenario and rule; a rule adds
// times), what the matcher wanted and what the request had.
type Difference struct {
	Field string `json:"field"`
	Want  string `json:"want"`
	Got   string `json:"got"`
	// Missing: the request has no such field at all (Got is empty).
	Missing bool `json:"missing,omitempty"`
}

// String is the difference as one line, e.g.
// `body.action: got "hold", want "call"`.
func (d Difference) String() string {
	if d.Field == "times" {
		return fmt.Sprintf("times: used up after %s requests", d.Want)
	}
	if d.Missing {
		return fmt.Sprintf("%s: missing, want %s", d.Field, quote(d.Want))
	}
	return fmt.Sprintf("%s: got %s, want %s", d.Field, quote(d.Got), quote(d.Want))
}

// quote quotes text unless it is all digits (statuses, counts).
func quote(s string) string {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return strconv.Quote(s)
	}
	return s
}

// Diff says how req differs from what m selects, one Difference per field,
// in the order of the table of Matcher (parameters, body fields and headers
// by name): nothing when m matches req.
func (m *Matcher) Diff(req *Request) []Difference {
	var out []Difference
	m.diff(req, &out)
	return out
}

// diff counts the fields in which req differs from what m selects, and
// appends a Difference for each to *out unless out is nil: counting alone
// allocates nothing (Closest counts each rule's, and builds the closest's).
func (m *Matcher) diff(req *Request, out *[]Difference) int {
	n := 0
	differ := func(prefix, name, want, got string, missing bool) {
		n++
		if out != nil {
			*out = append(*out, Difference{Field: prefix + name, Want: want, Got: got, Missing: missing})
		}
	}
	if m.operation != "" && m.operation != req.OperationID {
		differ("operation", "", m.operation, req.OperationID, false)
	}
	if m.method != "" && !strings.EqualFold(m.method, req.Method) {
		differ("method", "", m.method, req.Method, false)
	}
	if m.path != "" {
		if ok, _ := path.Match(m.path, trimSlash(req.Path)); !ok {
			differ("path", "", m.path, req.Path, false)
		}
	}
	for _, f := range m.pathParams {
		got, ok := req.PathParams[f.k]
		switch {
		case !ok:
			differ("path_params.", f.k, f.v, "", true)
		case got != f.v:
			differ("path_params.", f.k, f.v, got, false)
		}
	}
	for i := range m.body {
		f := &m.body[i]
		v, ok := req.Body[f.k]
		switch {
		case !ok:
			differ("body.", f.k, f.v, "", true)
		case !f.equal(v):
			got := ""
			if out != nil {
				got = text(v)
			}
			differ("body.", f.k, f.v, got, false)
		}
	}
	for _, f := range m.headers {
		vs, ok := req.Header[f.k]
		switch {
		case !ok || len(vs) == 0:
			differ("headers.", f.k, f.v, "", true)
		case vs[0] != f.v:
			differ("headers.", f.k, f.v, vs[0], false)
		}
	}
	if m.authID != "" && m.authID != req.AuthID {
		differ("auth_id", "", m.authID, req.AuthID, false)
	}
	return n
}

// equalFlat is equal for a value jsonread.Scan read, as the same value
// decoded by encoding/json would compare.
func (f *bodyField) equalFlat(value string, kind jsonread.Kind) bool {
	switch kind {
	case jsonread.String:
		return value == f.v
	case jsonread.Null:
		return f.v == "" || f.v == "null"
	}
	return value == f.v // "true", "false"
}

func (f *bodyField) equal(v any) bool {
	switch v := v.(type) {
	case string:
		return v == f.v
	case float64:
		return f.isNum && v == f.num
	case bool:
		return (v && f.v == "true") || (!v && f.v == "false")
	case nil:
		return f.v == "" || f.v == "null"
	}
	return text(v) == f.v
}

// A RuleMiss is the rule that came closest to answering a request that no
// rule answered, Hoverfly's "closest miss": a rule whose operation, method
// and path fit the request but whose other fields did not (or whose times
// were used up), with what differed.
type RuleMiss struct {
	// Rule is the rule's name, or "#N" (its place in its file) when it
	// has none.
	Rule        string
	Differences []Difference
}

// Closest returns the rule that came closest to matching req when Match
// found none: among the rules aimed at req's endpoint (operation, method and
// path fit), the one with the fewest differences, the first tried on a tie.
// Nil when no rule aims there: a request far from every rule is not a miss.
// It counts no hit.
func (e *Engine) Closest(req *Request) *RuleMiss {
	// Count first, without allocating, and describe only the closest: no
	// rule that would match is tried, so no rule is closer than one field
	// off, and the first so is the answer.
	var best *compiledRule
	fewest := 0
	for _, r := range e.index.group(req.OperationID).rules {
		if !r.match.endpoint(req) {
			continue
		}
		n := r.match.diff(req, nil)
		if r.usedUp() {
			n++
		}
		if n > 0 && (best == nil || n < fewest) {
			best, fewest = r, n
			if n == 1 {
				break
			}
		}
	}
	if best == nil {
		return nil
	}
	d := best.match.Diff(req)
	if n := best.hits.Load(); best.times > 0 && n >= best.times {
		d = append(d, Difference{Field: "times", Want: strconv.FormatInt(best.times, 10), Got: strconv.FormatInt(n, 10)})
	}
	return &RuleMiss{Rule: best.label, Differences: d}
}

// usedUp reports whether r's times are used up: it answers no more.
func (r *compiledRule) usedUp() bool { return r.times > 0 && r.hits.Load() >= r.times }
