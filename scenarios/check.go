package scenarios

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// ErrNeverMatches is wrapped by the errors of CheckRules: a rule that no
// request the contract allows can match.
var ErrNeverMatches = errors.New("rule never matches")

// An Operation is what the contract allows of one operation, as CheckRules
// needs it. The package does not read the contract: its caller builds these
// (package mockserver/director: Operations).
type Operation struct {
	ID     string
	Method string
	// Path is the path template, "/v1/phlo/{phlo_id}".
	Path       string
	PathParams []string
	// BodyEnums holds, for each top-level body field whose values the
	// contract lists, those values as text. A field that may take other
	// values in some body shape of the operation is not listed.
	BodyEnums map[string][]string
}

// CheckRules reports every rule of s that can never match a request the
// contract allows: a path pattern that matches no operation (or not the
// operation or method the rule names), a path parameter the operations it
// aims at do not have, a body value outside the contract's enum. Each error
// is a *ParseError at the offending value, with a did-you-mean where one is
// near, wrapping ErrNeverMatches; they are joined. A rule naming an unknown
// operation id is left to Validate. CheckRules never modifies s.
func (s *Scenario) CheckRules(ops []Operation) error {
	var errs []error
	for i := range s.Rules {
		errs = append(errs, s.checkRule(&s.Rules[i], i, ops)...)
		if j := s.shadowedBy(i); j >= 0 {
			e := s.errorAt(s.Rules[i].Pos, fmt.Sprintf("rule %s never matches: the earlier rule %s (line %d) answers every request it would, and has no times limit: move it first, or narrow the earlier one's match",
				ruleName(&s.Rules[i], i), ruleName(&s.Rules[j], j), s.Rules[j].Pos.Line))
			e.Err = ErrNeverMatches
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// CheckFile is how every command reads a scenario file, so that serve,
// conform, proxy, an upload and `scenarios check` refuse the same files:
// Check (parsing and validation, every problem at once), then, when ops are
// given, CheckRules (a rule that can never match is an error).
func CheckFile(filename string, data []byte, known KnownOperations, ops []Operation) (*Scenario, error) {
	s, err := Check(filename, data, known)
	if err != nil {
		return nil, err
	}
	if ops != nil {
		if err := s.CheckRules(ops); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// shadowedBy returns the index of an earlier rule that answers every
// request rule i matches, for as long as the fake runs (a respond without
// times), so rule i never answers; -1 when there is none. Rules are tried
// in file order.
func (s *Scenario) shadowedBy(i int) int {
	for j := 0; j < i; j++ {
		r := &s.Rules[j]
		if r.Respond != nil && r.Times <= 0 && covers(&r.Match, &s.Rules[i].Match) {
			return j
		}
	}
	return -1
}

// covers reports whether every request b matches is matched by a: each
// condition of a is one b makes too (an empty a, a catch-all, covers
// everything).
func covers(a, b *Match) bool {
	same := func(x, y string) bool { return x == "" || x == y }
	if !same(a.Operation, b.Operation) || !strings.EqualFold(a.Method, b.Method) && a.Method != "" || !same(a.Path, b.Path) || !same(a.AuthID, b.AuthID) {
		return false
	}
	sub := func(x, y map[string]string, fold bool) bool {
		for k, v := range x {
			w, ok := y[k]
			if fold {
				for yk, yv := range y {
					if strings.EqualFold(yk, k) {
						w, ok = yv, true
					}
				}
			}
			if !ok || w != v {
				return false
			}
		}
		return true
	}
	return sub(a.PathParams, b.PathParams, false) && sub(a.Body, b.Body, false) && sub(a.Headers, b.Headers, true)
}

func (s *Scenario) checkRule(r *Rule, i int, ops []Operation) []error {
	m := &r.Match
	var errs []error
	fail := func(p Pos, format string, args ...any) {
		if p == (Pos{}) {
			p = r.Pos
		}
		e := s.errorAt(p, fmt.Sprintf("rule %s never matches: ", ruleName(r, i))+fmt.Sprintf(format, args...))
		e.Err = ErrNeverMatches
		errs = append(errs, e)
	}
	byID := ops
	if m.Operation != "" {
		byID = filter(ops, func(o Operation) bool { return o.ID == m.Operation })
		if len(byID) == 0 {
			return nil // an unknown operation id: Validate's to report
		}
	}
	byMethod := byID
	if m.Method != "" {
		byMethod = filter(byID, func(o Operation) bool { return strings.EqualFold(o.Method, m.Method) })
		if len(byMethod) == 0 {
			if m.Operation != "" {
				fail(m.MethodPos, "method %s: operation %s is %s", m.Method, m.Operation, byID[0].Method)
			} else {
				fail(m.MethodPos, "method %s: no operation of the contract takes it", m.Method)
			}
			return errs
		}
	}
	aimed := byMethod
	if m.Path != "" {
		aimed = filter(byMethod, func(o Operation) bool { return globMatchesTemplate(m.Path, o.Path) })
		if len(aimed) == 0 {
			fail(m.PathPos, "%s", pathMiss(m, byMethod))
			return errs
		}
	}
	for _, k := range sortedKeys(m.PathParams) {
		var names []string
		for _, o := range aimed {
			for _, p := range o.PathParams {
				if !slices.Contains(names, p) {
					names = append(names, p)
				}
			}
		}
		if slices.Contains(names, k) {
			continue
		}
		msg := fmt.Sprintf("path parameter %q is not one of %s", k, paramsOf(aimed, names))
		if near := didyoumean.Closest(k, names); near != "" {
			msg = fmt.Sprintf("path parameter %q (did you mean %q?) is not one of %s", k, near, paramsOf(aimed, names))
		}
		fail(m.KeyPos["path_params."+k], "%s", msg)
	}
	if len(m.Body) > 0 && !slices.ContainsFunc(aimed, func(o Operation) bool { return takesBody(o.Method) }) {
		first := sortedKeys(m.Body)[0]
		fail(m.KeyPos["body."+first], "body %s: %s send no body, so a body match never holds (match the operation alone, or a query or header)", first, methodsOf(aimed))
		return errs
	}
	for _, k := range sortedKeys(m.Body) {
		allowed, listed := bodyEnum(aimed, k)
		if !listed || slices.Contains(allowed, m.Body[k]) {
			continue
		}
		msg := fmt.Sprintf("body %s %q is not a value the contract allows: want one of %s", k, m.Body[k], strings.Join(allowed, ", "))
		if near := didyoumean.Closest(m.Body[k], allowed); near != "" {
			msg = fmt.Sprintf("body %s %q (did you mean %q?) is not a value the contract allows: want one of %s", k, m.Body[k], near, strings.Join(allowed, ", "))
		}
		fail(m.ValuePos["body."+k], "%s", msg)
	}
	return errs
}

// takesBody reports whether requests of method carry a body the fake reads.
func takesBody(method string) bool {
	switch strings.ToUpper(method) {
	case "GET", "HEAD", "DELETE", "OPTIONS":
		return false
	}
	return true
}

// methodsOf names the operations aimed at, for a message: "getPhlo (GET)".
func methodsOf(aimed []Operation) string {
	var names []string
	for _, o := range aimed {
		names = append(names, o.ID+" ("+o.Method+")")
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("%d more", len(names)-3))
	}
	return strings.Join(names, ", ")
}

func filter(ops []Operation, keep func(Operation) bool) []Operation {
	var out []Operation
	for _, o := range ops {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// bodyEnum is the union of the values the aimed operations allow for body
// field k; listed is false when one of them takes any value there (or does
// not say), so no value can be ruled out.
func bodyEnum(aimed []Operation, k string) (allowed []string, listed bool) {
	for _, o := range aimed {
		vs, ok := o.BodyEnums[k]
		if !ok {
			return nil, false
		}
		for _, v := range vs {
			if !slices.Contains(allowed, v) {
				allowed = append(allowed, v)
			}
		}
	}
	return allowed, len(aimed) > 0
}

func paramsOf(aimed []Operation, names []string) string {
	what := "the parameters of the operations it aims at"
	if len(aimed) == 1 {
		what = aimed[0].ID + "'s"
	}
	if len(names) == 0 {
		return what + " (none)"
	}
	return what + " (" + strings.Join(names, ", ") + ")"
}

// globMatchesTemplate reports whether pattern can match a path of template:
// segment by segment (path.Match's "*" never crosses a slash), a template
// parameter standing for any non-empty segment.
func globMatchesTemplate(pattern, template string) bool {
	ps := strings.Split(trimSlash(pattern), "/")
	ts := strings.Split(template, "/")
	if len(ps) != len(ts) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if ok, _ := path.Match(ps[i], ts[i]); !ok {
			return false
		}
	}
	return true
}

// asGlob is a template as a pattern: each parameter a "*".
func asGlob(template string) string {
	segs := strings.Split(template, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// pathMiss says why m's path pattern matches none of the operations the
// rule aims at, and which patterns would.
func pathMiss(m *Match, aimed []Operation) string {
	var msg string
	switch {
	case m.Operation != "":
		msg = fmt.Sprintf("path %q does not match %s's path %s", m.Path, m.Operation, aimed[0].Path)
	case m.Method != "":
		msg = fmt.Sprintf("path %q matches no %s operation of the contract", m.Path, strings.ToUpper(m.Method))
	default:
		msg = fmt.Sprintf("path %q matches no operation of the contract", m.Path)
	}
	if strings.Contains(m.Path, "**") {
		msg += ` (path.Match has no "**": it is "*", one segment)`
	}
	// The nearest patterns: those of the aimed operations that keep the
	// most of the pattern's segments, in order.
	best, bestLen := []string{}, -1
	for _, o := range aimed {
		g := asGlob(o.Path)
		// Ties go to the longest common start.
		n := 100*commonSegments(m.Path, g) + commonPrefix(m.Path, g)
		switch {
		case n > bestLen:
			best, bestLen = []string{g}, n
		case n == bestLen && !slices.Contains(best, g):
			best = append(best, g)
		}
	}
	if len(best) > 0 {
		slices.Sort(best)
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(best, " or "))
	}
	return msg
}

// commonSegments is the length of the longest common subsequence of the
// segments of two patterns, any segment holding a "*" equal to "*": how
// much of a pattern another keeps, in order.
func commonSegments(a, b string) int {
	norm := func(p string) []string {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if strings.Contains(s, "*") {
				segs[i] = "*"
			}
		}
		return segs
	}
	as, bs := norm(a), norm(b)
	prev := make([]int, len(bs)+1)
	for i := range as {
		cur := make([]int, len(bs)+1)
		for j := range bs {
			if as[i] == bs[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(bs)]
}

func commonPrefix(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}
