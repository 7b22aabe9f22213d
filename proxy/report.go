package proxy

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/internal/junit"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// An Exchange is one request through the proxy, checked.
type Exchange struct {
	Seq       uint64    `json:"seq"` // its journal entry's
	Time      time.Time `json:"time"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Operation string    `json:"operation,omitempty"`
	// Status is what the application got: the target's, or the proxy's
	// 502/504 when Error is set.
	Status int `json:"status"`
	// FakeStatus is what the fake would have answered (0: not asked, or
	// a dropped connection).
	FakeStatus int `json:"fake_status,omitempty"`
	// Error is why the target gave no (whole) answer.
	Error string `json:"error,omitempty"`
	// Unchecked says why the exchange was forwarded but not compared.
	Unchecked         string                 `json:"unchecked,omitempty"`
	RequestViolations []mockserver.Violation `json:"request_violations,omitempty"`
	AnswerViolations  []mockserver.Violation `json:"answer_violations,omitempty"`
	Drift             []Difference           `json:"drift,omitempty"`
	Duration          time.Duration          `json:"duration_ns"`
}

// A Group is one difference, and how often it was seen.
type Group struct {
	Operation string `json:"operation"`
	Difference
	Count int `json:"count"`
	// Text says it in a sentence: "the real API answers 200 where the fake
	// answers 201 on updateMultiPartyCall (14 times)".
	Text string `json:"text"`
	// Hint names the fake's option that would remove it, if one does.
	Hint string `json:"hint,omitempty"`
}

// A ViolationGroup is one contract violation, and how often it was seen.
type ViolationGroup struct {
	Operation string `json:"operation"`
	// Side is "request" (the application broke the contract) or "answer"
	// (the target did).
	Side string `json:"side"`
	mockserver.Violation
	Count int `json:"count"`
}

// An ErrorGroup is one way the target failed to answer.
type ErrorGroup struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"` // 502 or 504
	Error     string `json:"error"`
	Count     int    `json:"count"`
}

// A Report is the drift seen so far: counts and groups over every
// exchange, and the latest exchanges themselves.
type Report struct {
	Target     string           `json:"target"`
	Exchanges  int              `json:"exchanges"`
	Drifted    int              `json:"drifted"`
	Violating  int              `json:"violating"`
	Failed     int              `json:"failed"` // 502 or 504
	Operations []string         `json:"operations"`
	Drift      []Group          `json:"drift"`
	Violations []ViolationGroup `json:"violations"`
	Errors     []ErrorGroup     `json:"errors"`
	Latest     []Exchange       `json:"latest"`
}

// ExitCode is conform's: 0 for no drift and no violation, 1 for any (or a
// target that failed some exchanges), 2 when every exchange failed: the
// proxy could not compare anything.
func (r *Report) ExitCode() int {
	switch {
	case r.Exchanges > 0 && r.Failed == r.Exchanges:
		return 2
	case r.Drifted > 0 || r.Violating > 0 || r.Failed > 0:
		return 1
	}
	return 0
}

type groupKey struct {
	op string
	d  Difference
}

type violationKey struct {
	op, side         string
	code             mockserver.Code
	pointer, message string
}

type errorKey struct {
	op     string
	status int
	err    string
}

// maxGroups bounds each kind of group: a target that answers every request
// with another error text cannot make the report grow without end.
const maxGroups = 1000

// tracker aggregates exchanges for the report.
type tracker struct {
	mu                            sync.Mutex
	keep                          int
	latest                        []Exchange // ring
	next                          int
	exchanges, drifted, violating int
	failed                        int
	ops                           map[string]bool
	groups                        map[groupKey]int
	violations                    map[violationKey]int
	errs                          map[errorKey]int
}

func newTracker(keep int) *tracker {
	return &tracker{keep: keep, ops: map[string]bool{}, groups: map[groupKey]int{}, violations: map[violationKey]int{}, errs: map[errorKey]int{}}
}

func (t *tracker) add(x Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exchanges++
	op := cmp.Or(x.Operation, "(no operation)")
	t.ops[op] = true
	if len(x.Drift) > 0 {
		t.drifted++
	}
	if len(x.RequestViolations)+len(x.AnswerViolations) > 0 {
		t.violating++
	}
	if x.Error != "" && x.FakeStatus == 0 && (x.Status == http.StatusBadGateway || x.Status == http.StatusGatewayTimeout) {
		t.failed++
	}
	bump(t.groups, len(t.groups), func() []groupKey {
		ks := make([]groupKey, len(x.Drift))
		for i, d := range x.Drift {
			ks[i] = groupKey{op, d}
		}
		return ks
	}())
	var vks []violationKey
	for _, v := range x.RequestViolations {
		vks = append(vks, violationKey{op, "request", v.Code, v.Pointer, v.Message})
	}
	for _, v := range x.AnswerViolations {
		vks = append(vks, violationKey{op, "answer", v.Code, v.Pointer, v.Message})
	}
	bump(t.violations, len(t.violations), vks)
	if x.Error != "" {
		bump(t.errs, len(t.errs), []errorKey{{op, x.Status, x.Error}})
	}
	if len(t.latest) < t.keep {
		t.latest = append(t.latest, x)
	} else {
		t.latest[t.next] = x
		t.next = (t.next + 1) % t.keep
	}
}

func bump[K comparable](m map[K]int, n int, keys []K) {
	for _, k := range keys {
		if _, ok := m[k]; ok || n < maxGroups {
			m[k]++
		}
	}
}

// Report returns the drift seen so far.
func (p *Proxy) Report() *Report {
	t := p.drift
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &Report{
		Target: p.opts.Target.Redacted(), Exchanges: t.exchanges, Drifted: t.drifted, Violating: t.violating, Failed: t.failed,
		Operations: []string{}, Drift: []Group{}, Violations: []ViolationGroup{}, Errors: []ErrorGroup{},
	}
	for op := range t.ops {
		r.Operations = append(r.Operations, op)
	}
	slices.Sort(r.Operations)
	for k, n := range t.groups {
		g := Group{Operation: k.op, Difference: k.d, Count: n}
		g.Text = sentence(g)
		g.Hint = p.hints.hint(g)
		r.Drift = append(r.Drift, g)
	}
	slices.SortFunc(r.Drift, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Operation, b.Operation),
			cmp.Compare(slices.Index(Kinds(), a.Kind), slices.Index(Kinds(), b.Kind)), cmp.Compare(a.Pointer, b.Pointer),
			cmp.Compare(a.Real, b.Real), cmp.Compare(a.Fake, b.Fake))
	})
	for k, n := range t.violations {
		r.Violations = append(r.Violations, ViolationGroup{Operation: k.op, Side: k.side, Violation: mockserver.Violation{Code: k.code, Pointer: k.pointer, Message: k.message}, Count: n})
	}
	slices.SortFunc(r.Violations, func(a, b ViolationGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Side, b.Side),
			cmp.Compare(a.Code, b.Code), cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Message, b.Message))
	})
	for k, n := range t.errs {
		r.Errors = append(r.Errors, ErrorGroup{Operation: k.op, Status: k.status, Error: k.err, Count: n})
	}
	slices.SortFunc(r.Errors, func(a, b ErrorGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Error, b.Error))
	})
	r.Latest = append(append([]Exchange{}, t.latest[t.next:]...), t.latest[:t.next]...)
	return r
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// sentence words a group for people.
func sentence(g Group) string {
	field := strings.TrimPrefix(g.Pointer, "/body")
	var s string
	switch g.Kind {
	case KindStatus:
		s = fmt.Sprintf("the real API answers %s where the fake answers %s", g.Real, g.Fake)
	case KindContentType:
		s = fmt.Sprintf("the real API answers Content-Type %s where the fake answers %s", g.Real, g.Fake)
	case KindBody:
		s = fmt.Sprintf("the real API's body is %s where the fake's is %s", g.Real, g.Fake)
	case KindFieldAdded:
		s = fmt.Sprintf("the real API's answer has %s (%s), the fake's does not", field, g.Real)
	case KindFieldRemoved:
		s = fmt.Sprintf("the fake's answer has %s (%s), the real API's does not", field, g.Fake)
	case KindFieldType:
		s = fmt.Sprintf("%s is a JSON %s in the real API's answer and a %s in the fake's", field, g.Real, g.Fake)
	case KindValueClass:
		s = fmt.Sprintf("%s is %s in the real API's answer and %s in the fake's", field, article(g.Real), article(g.Fake))
	case KindErrorText:
		s = fmt.Sprintf("the real API's error is %q where the fake's is %q", g.Real, g.Fake)
	case KindValue:
		s = fmt.Sprintf("%s is %q in the real API's answer and %q in the fake's", field, g.Real, g.Fake)
	default:
		s = fmt.Sprintf("%s %s: real %s, fake %s", g.Kind, g.Pointer, g.Real, g.Fake)
	}
	return fmt.Sprintf("%s on %s (%s)", s, g.Operation, times(g.Count))
}

func article(class string) string {
	switch class {
	case ClassEmpty:
		return "empty"
	case ClassText:
		return "text"
	case ClassUUID:
		return "a UUID"
	case ClassURL:
		return "a URL"
	case ClassSIP:
		return "a SIP address"
	}
	return "a " + class
}

// hinter knows which of the fake's options explain a difference.
type hinter struct {
	opts Options
	dual map[string]bool // operations documenting both 200 and 201
}

func newHinter(o Options) hinter {
	h := hinter{opts: o, dual: map[string]bool{}}
	if o.Spec == nil || o.Spec.Paths == nil {
		return h
	}
	for _, item := range o.Spec.Paths.Map() {
		for _, op := range item.Operations() {
			if documents(op, 200) && documents(op, 201) {
				h.dual[op.OperationID] = true
			}
		}
	}
	return h
}

func documents(op *openapi3.Operation, status int) bool {
	return op.Responses != nil && op.Responses.Status(status) != nil
}

func (h hinter) hint(g Group) string {
	if g.Kind != KindStatus {
		return ""
	}
	real, _ := strconv.Atoi(g.Real)
	fake, _ := strconv.Atoi(g.Fake)
	switch {
	case h.dual[g.Operation] && (real == 200 || real == 201) && fake == h.opts.ActionStatus:
		return fmt.Sprintf("a known fake option explains this: --action-status %d would remove it", real)
	case real == http.StatusNotFound && success(fake) && !h.opts.StrictIDs:
		return "a known fake option explains this: the fake knows every id; --strict-ids with --ids, or a scenario recorded with --record (its world), answers 404 for the others"
	case success(real) && fake == http.StatusBadRequest && !h.opts.Stateful && (g.Operation == openapi.OpUpdateMultiPartyCall || g.Operation == openapi.OpUpdateMember):
		return "if a stateful scenario (transfer-flow) is active, its calls did not follow the application's earlier actions: --drift-stateful makes them follow"
	case real == http.StatusTooManyRequests && success(fake):
		return "the real API rate-limited the application; --scenario rate-limited (or a rule recorded with --record) makes the fake answer 429"
	}
	return ""
}

// WriteText writes the readable report: the summary line, then one line
// per group, most frequent first.
func WriteText(w io.Writer, r *Report) error {
	p := report.NewPrinter(w)
	for _, g := range r.Drift {
		p.Printf("DRIFT %s %s %s: %s\n", g.Operation, g.Kind, g.Pointer, g.Text)
		if g.Hint != "" {
			p.Printf("      hint: %s\n", g.Hint)
		}
	}
	for _, v := range r.Violations {
		p.Printf("VIOLATION %s %s %s %s: %s (%s)\n", v.Operation, v.Side, v.Code, report.OrDash(v.Pointer), v.Message, times(v.Count))
	}
	for _, e := range r.Errors {
		p.Printf("ERROR %s %d: %s (%s)\n", e.Operation, e.Status, e.Error, times(e.Count))
	}
	p.Printf("%s\n", Summary(r))
	return p.Err()
}

// Summary is the report's last line, e.g. "proxy: 17 exchanges with
// https://phlorunner.plivo.com, 3 drifted, 0 with violations, 0 not
// answered".
func Summary(r *Report) string {
	return fmt.Sprintf("proxy: %d exchanges with %s, %d drifted, %d with violations, %d not answered",
		r.Exchanges, r.Target, r.Drifted, r.Violating, r.Failed)
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, r *Report) error {
	return report.JSON(w, r, report.EscapeHTML)
}

// WriteJUnit writes the report as JUnit XML: one testcase per operation
// and kind of difference (failed), per operation and side of the contract
// with violations, per operation with failed exchanges, and one passing
// testcase per operation that showed none of these.
func WriteJUnit(w io.Writer, r *Report) error {
	rep := &junit.Report{Name: "phlomock proxy"}
	type ok struct{ op, kind string }
	cases := map[ok][]string{}
	var order []ok
	add := func(k ok, line string) {
		if _, seen := cases[k]; !seen {
			order = append(order, k)
		}
		cases[k] = append(cases[k], line)
	}
	for _, g := range r.Drift {
		add(ok{g.Operation, string(g.Kind)}, g.Text)
	}
	for _, v := range r.Violations {
		add(ok{v.Operation, v.Side + "-contract"}, fmt.Sprintf("%s %s: %s (%s)", v.Code, report.OrDash(v.Pointer), v.Message, times(v.Count)))
	}
	for _, e := range r.Errors {
		add(ok{e.Operation, "unanswered"}, fmt.Sprintf("%d: %s (%s)", e.Status, e.Error, times(e.Count)))
	}
	failed := map[string]bool{}
	slices.SortStableFunc(order, func(a, b ok) int { return cmp.Compare(a.op, b.op) })
	for _, k := range order {
		failed[k.op] = true
		lines := cases[k]
		rep.Add(k.op, junit.Case{Name: k.op + " " + k.kind, Classname: "proxy." + k.op,
			Failure: &junit.Failure{Message: lines[0], Type: k.kind, Text: strings.Join(lines, "\n")}})
	}
	for _, op := range r.Operations {
		if !failed[op] {
			rep.Add(op, junit.Case{Name: op + " no drift", Classname: "proxy." + op})
		}
	}
	return rep.Write(w)
}
