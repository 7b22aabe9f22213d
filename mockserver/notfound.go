package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// What a 404 says when the request came near a documented path. The rules
// come from the spec's paths, never from a list of known mistakes: the
// base every path starts with (/v1) is their common leading literal
// segments, and a request "meant" a path when one of these turns it into
// that path exactly, ids kept:
//
//   - literal segments compared without case (/V1/Phlo/P1);
//   - the leading segments replaced by the base (/phlo/P1, /v1/v1/phlo/P1,
//     /api/v1/phlo/P1: a known path under a wrong prefix);
//   - two adjacent segments swapped (an id in the wrong segment,
//     /v1/phlo/multi_party_call/P1/N1);
//   - one literal segment misspelt (member for members: two edits at most,
//     internal/didyoumean's rule).
//
// An id never takes a value that spells one of the spec's literal segments
// (/v1/P1/phlo is not /v1/phlo/{phlo_id} with the id "phlo"), nor one the
// fake would not echo (badID). A request of the documented method is meant
// before one of another method. Anything further away gets no suggestion,
// where it would mislead more than help; the journal's Closest still
// explains it.

// A meaning is the documented path a request meant, with its ids.
type meaning struct {
	Route
	path string   // the route's template, the request's ids filled in
	why  []string // what the request has to change, for a person
}

// meant returns the documented path the request came near, nil when none.
func meant(routes []Route, method, path string) *meaning {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	got := strings.Split(strings.TrimPrefix(path, "/"), "/")
	literals, base := vocabulary(routes)
	for _, sameMethod := range []bool{true, false} {
		for _, rule := range []func(Route, []string, map[string]bool, []string) *meaning{asIs, underBase, swapped, retyped} {
			for _, r := range routes {
				if strings.EqualFold(r.Method, method) != sameMethod {
					continue
				}
				if m := rule(r, got, literals, base); m != nil {
					if !sameMethod {
						m.why = append([]string{fmt.Sprintf("method: got %s, want %s", method, r.Method)}, m.why...)
					}
					return m
				}
			}
		}
	}
	return nil
}

// vocabulary is the literal segments of the spec's paths, lower-cased, and
// the base: the leading literal segments shared by most paths (all of the
// API's start with /v1; the control plane's with /__admin but its probes).
func vocabulary(routes []Route) (map[string]bool, []string) {
	literals := map[string]bool{}
	byFirst := map[string][][]string{}
	var most [][]string
	for _, r := range routes {
		segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		for _, s := range segs {
			if !isTemplate(s) {
				literals[strings.ToLower(s)] = true
			}
		}
		if isTemplate(segs[0]) || len(segs) < 2 {
			continue
		}
		byFirst[segs[0]] = append(byFirst[segs[0]], segs)
		if g := byFirst[segs[0]]; len(g) > len(most) {
			most = g
		}
	}
	if 2*len(most) <= len(routes) {
		return literals, nil
	}
	base := most[0][:1]
	for n := 1; ; n++ {
		for _, segs := range most {
			if n >= len(segs)-1 || isTemplate(segs[n]) || segs[n] != most[0][n] {
				return literals, base
			}
		}
		base = most[0][:n+1]
	}
}

func isTemplate(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// fill matches got against r's template, literals without case and with at
// most typos literal segments misspelt: the path meant, and what
// differed (segments numbered from 1, as the journal's Closest numbers
// them). ok is false when got is not r's path so changed.
func fill(r Route, got []string, literals map[string]bool, typos int) (path string, why []string, ok bool) {
	want := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	if len(want) != len(got) {
		return "", nil, false
	}
	out := make([]string, len(want))
	for i, w := range want {
		g := got[i]
		switch {
		case isTemplate(w):
			name := strings.Trim(w, "{}")
			if g == "" || literals[strings.ToLower(g)] || badID(name, g) != "" {
				return "", nil, false
			}
			out[i] = g
		case g == w:
			out[i] = w
		case strings.EqualFold(g, w):
			why = append(why, fmt.Sprintf("segment %d: got %q, want %q (paths are case-sensitive)", i+1, g, w))
			out[i] = w
		case typos > 0 && didyoumean.Closest(g, []string{w}) != "":
			typos--
			why = append(why, fmt.Sprintf("segment %d: got %q, want %q", i+1, g, w))
			out[i] = w
		default:
			return "", nil, false
		}
	}
	return "/" + strings.Join(out, "/"), why, true
}

// asIs: the request is r's path but for the case of its literals.
func asIs(r Route, got []string, literals map[string]bool, _ []string) *meaning {
	if path, why, ok := fill(r, got, literals, 0); ok {
		return &meaning{r, path, why}
	}
	return nil
}

// underBase: the request is r's path with its leading segments (none, a
// doubled base, another prefix) in place of the base.
func underBase(r Route, got []string, literals map[string]bool, base []string) *meaning {
	if len(base) == 0 {
		return nil
	}
	b := "/" + strings.Join(base, "/")
	for k := 0; k < len(got); k++ {
		if k == len(base) && strings.EqualFold(strings.Join(got[:k], "/"), strings.Join(base, "/")) {
			continue // the base is right: not this rule's
		}
		path, why, ok := fill(r, append(slices.Clone(base), got[k:]...), literals, 0)
		if !ok {
			continue
		}
		head := fmt.Sprintf("the documented paths start with %s", b)
		if k > 0 {
			head += ", not /" + strings.Join(got[:k], "/")
		}
		return &meaning{r, path, append([]string{head}, why...)}
	}
	return nil
}

// swapped: the request is r's path with two adjacent segments swapped.
func swapped(r Route, got []string, literals map[string]bool, _ []string) *meaning {
	for i := 0; i+1 < len(got); i++ {
		if got[i] == got[i+1] {
			continue
		}
		s := slices.Clone(got)
		s[i], s[i+1] = s[i+1], s[i]
		if path, why, ok := fill(r, s, literals, 0); ok {
			head := fmt.Sprintf("segments %d and %d are swapped: %q comes after %q", i+1, i+2, got[i], got[i+1])
			return &meaning{r, path, append([]string{head}, why...)}
		}
	}
	return nil
}

// retyped: the request is r's path with one literal segment spelt otherwise.
func retyped(r Route, got []string, literals map[string]bool, _ []string) *meaning {
	if path, why, ok := fill(r, got, literals, 1); ok {
		return &meaning{r, path, why}
	}
	return nil
}

// didYouMean is the 404's sentence for m: the path meant, then why.
func (m *meaning) didYouMean() string {
	s := fmt.Sprintf("Did you mean %s %s", m.Method, m.path)
	if m.OperationID != "" {
		s += " (" + m.OperationID + ")"
	}
	s += "?"
	if len(m.why) > 0 {
		s += " " + strings.Join(m.why, "; ") + "."
	}
	return s
}

// controlPlanePath reports whether path is one of the control plane's (its
// base, or a probe at the root) rather than the API's.
func controlPlanePath(path string) bool {
	switch strings.TrimSuffix(path, "/") {
	case "/healthz", "/readyz", AdminBase:
		return true
	}
	return strings.HasPrefix(path, AdminBase+"/")
}

// SetControlPlane says where the control plane is served (its URL, such as
// http://127.0.0.1:8081 or http://127.0.0.1:8080/mock), for the 404 of a
// control plane path sent to the API's port; "" when it is served nowhere.
// The fake's Start sets it once it listens.
func (s *Server) SetControlPlane(url string) { s.controlPlane.Store(&url) }

// elsewhere is the 404's sentence for a control plane path on the API's
// port: where that path is served.
func (s *Server) elsewhere(path string) string {
	p := s.controlPlane.Load()
	switch {
	case p == nil:
		return "This is the API's port: the control plane has a handler of its own (AdminHandler)."
	case *p == "":
		return "This is the API's port, and this fake serves no control plane."
	}
	at := *p + path // its own port: the same path
	if u, err := url.Parse(*p); err == nil && u.Path != "" {
		at = *p + strings.TrimPrefix(path, AdminBase) // under a prefix: the prefix for AdminBase
	}
	return "This is the API's port: the control plane is at " + *p + "; try " + at + "."
}

// notAdmin is the sentence a control plane 404 adds: the API's operation
// when the path is the API's (sent to the control plane's port), else the
// control plane route the path meant, if any.
func (s *Server) notAdmin(routes []Route, r *http.Request) string {
	if op, _, _ := s.match(r); op != nil {
		return fmt.Sprintf(" %s %s is the API's (%s): send it to the API's port.", r.Method, r.URL.Path, op.id)
	}
	if m := meant(routes, r.Method, r.URL.Path); m != nil {
		m.OperationID = ""
		return " " + m.didYouMean()
	}
	return ""
}
