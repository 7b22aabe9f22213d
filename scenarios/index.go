package scenarios

import (
	"slices"
	"strings"
)

// A ruleIndex narrows the rules a request is tried against to those that
// can match it, in their order, so a request costs about the same with 500
// rules as with 5 (BenchmarkEngineRules): tried one by one, 500 rules took
// 7 us a request matching the last, and explaining a miss (Closest) 40 us.
//
// Rules are grouped by the operation they name (a rule naming none is in
// every group), and within a group of more than a few rules by the one
// field most of them require an exact value of: a path parameter, a body
// field, a header, the Auth ID or a path without pattern characters (tests
// sharing a fake aim their rules at their own PHLO, node or number). A rule
// that does not require that field is kept with every value.
type ruleIndex struct {
	byOperation map[string]*ruleGroup
	other       *ruleGroup // the rules naming no operation
}

// A ruleGroup is the rules aimed at one operation, in order, and their
// index by key, when one is worth keeping.
type ruleGroup struct {
	rules   []*compiledRule
	key     indexKey // the zero key: no index
	byValue map[string][]*compiledRule
	rest    []*compiledRule // the rules not requiring key: a value no rule requires
}

// An indexKey is a field of a request that a rule can require an exact
// value of.
type indexKey struct {
	kind byte // 'p' path parameter, 'b' body field, 'h' header, 'a' Auth ID, 'u' path
	name string
}

// indexMin is the smallest group indexed by key: below it, trying each
// rule costs less than the lookup.
const indexMin = 8

func newRuleIndex(rules []*compiledRule) *ruleIndex {
	ix := &ruleIndex{byOperation: map[string]*ruleGroup{}}
	var anyOp []*compiledRule
	for _, r := range rules {
		op := r.match.operation
		if op == "" {
			anyOp = append(anyOp, r)
			continue
		}
		if ix.byOperation[op] == nil {
			ix.byOperation[op] = &ruleGroup{}
		}
	}
	// Each group holds its operation's rules and those naming none, in
	// the rules' order.
	for _, r := range rules {
		if op := r.match.operation; op != "" {
			g := ix.byOperation[op]
			g.rules = append(g.rules, r)
			continue
		}
		for _, g := range ix.byOperation {
			g.rules = append(g.rules, r)
		}
	}
	ix.other = &ruleGroup{rules: anyOp}
	for _, g := range ix.byOperation {
		g.build()
	}
	ix.other.build()
	return ix
}

// group returns the rules that can match a request for operation.
func (ix *ruleIndex) group(operation string) *ruleGroup {
	if g := ix.byOperation[operation]; g != nil {
		return g
	}
	return ix.other
}

// build picks the key most of g's rules require a value of, and indexes
// them by it.
func (g *ruleGroup) build() {
	if len(g.rules) < indexMin {
		return
	}
	counts := map[indexKey]int{}
	for _, r := range g.rules {
		for _, k := range r.match.indexKeys() {
			counts[k]++
		}
	}
	best, n := indexKey{}, 0
	for k, c := range counts {
		if c > n || c == n && (k.kind < best.kind || k.kind == best.kind && k.name < best.name) {
			best, n = k, c
		}
	}
	if n < indexMin/2 {
		return
	}
	// One pass in order: a value's list starts with the rules requiring
	// no value seen so far, and every later rule requiring none joins every
	// list.
	g.key, g.byValue = best, map[string][]*compiledRule{}
	for _, r := range g.rules {
		if v, ok := r.match.required(best); ok {
			if _, seen := g.byValue[v]; !seen {
				g.byValue[v] = slices.Clone(g.rest)
			}
			g.byValue[v] = append(g.byValue[v], r)
			continue
		}
		g.rest = append(g.rest, r)
		for v, rs := range g.byValue {
			g.byValue[v] = append(rs, r)
		}
	}
}

// candidates returns the rules of g that can match req, in order.
func (g *ruleGroup) candidates(req *Request) []*compiledRule {
	if g.byValue == nil {
		return g.rules
	}
	v, ok := g.key.of(req)
	if !ok {
		return g.rest
	}
	if rs, ok := g.byValue[v]; ok {
		return rs
	}
	return g.rest
}

// of returns req's value of k as a rule requiring a value of k compares it:
// false when no such rule can match req (a body field that is missing, or
// not a string: the rules indexed by a body field require a plain string).
func (k indexKey) of(req *Request) (string, bool) {
	switch k.kind {
	case 'p':
		return req.PathParams[k.name], true
	case 'b':
		v, ok := req.Body[k.name].(string)
		return v, ok
	case 'h':
		return req.Header.Get(k.name), true
	case 'a':
		return req.AuthID, true
	case 'u':
		return trimSlash(req.Path), true
	}
	return "", false
}

// indexKeys lists the fields m requires an exact value of (see required).
func (m *Matcher) indexKeys() []indexKey {
	var keys []indexKey
	for _, f := range m.pathParams {
		keys = append(keys, indexKey{'p', f.k})
	}
	for i := range m.body {
		if m.body[i].plain() {
			keys = append(keys, indexKey{'b', m.body[i].k})
		}
	}
	for _, f := range m.headers {
		keys = append(keys, indexKey{'h', f.k})
	}
	if m.authID != "" {
		keys = append(keys, indexKey{'a', ""})
	}
	if m.path != "" && !strings.ContainsAny(m.path, `*?[\`) {
		keys = append(keys, indexKey{'u', ""})
	}
	return keys
}

// required returns the value of k m requires, as Matches compares it: a
// request whose value differs is not matched.
func (m *Matcher) required(k indexKey) (string, bool) {
	switch k.kind {
	case 'p':
		for _, f := range m.pathParams {
			if f.k == k.name {
				return f.v, true
			}
		}
	case 'b':
		for i := range m.body {
			if f := &m.body[i]; f.k == k.name && f.plain() {
				return f.v, true
			}
		}
	case 'h':
		for _, f := range m.headers {
			if f.k == k.name {
				return f.v, true
			}
		}
	case 'a':
		return m.authID, m.authID != ""
	case 'u':
		return m.path, m.path != "" && !strings.ContainsAny(m.path, `*?[\`)
	}
	return "", false
}

// plain reports whether only a JSON string equal to f.v matches f (see
// bodyField.equal): not a number, true, false, null or "" (which a number,
// a boolean or null match too), nor JSON text (which an object or array
// matches).
func (f *bodyField) plain() bool {
	switch f.v {
	case "", "null", "true", "false":
		return false
	}
	return !f.isNum && f.v[0] != '{' && f.v[0] != '['
}
