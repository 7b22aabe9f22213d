package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// Request is what the fake knows about a request when it consults the rules:
// the contract has already resolved the operation and validated the request.
type Request struct {
	OperationID string
	Method      string
	Path        string
	PathParams  map[string]string
	// Body is the decoded JSON body when it is an object, else nil.
	Body   map[string]any
	Header http.Header
	// AuthID is the Basic-auth user.
	AuthID string
}

// Answer is what a matching rule says to do instead of the contract's answer.
type Answer struct {
	RuleName string
	// Status 0 means: the contract's answer, after Delay and with Header
	// added (a rule that only adds latency or headers).
	Status int
	Header http.Header // nil when the rule sets no header; shared: do not modify
	Delay  time.Duration
	// Drop means: close the connection without answering.
	Drop bool

	body *template
	req  Request
}

// AppendBody appends the answer's body, rendered with the request's values
// and apiID (the fresh api_id of this answer), to dst.
func (a *Answer) AppendBody(dst []byte, apiID string) []byte {
	if a.body == nil {
		return dst
	}
	return a.body.render(dst, apiID, &a.req)
}

// MaxRenderedBody bounds the body a rule renders (BodyBound): a template
// that repeats a request value (a header of 64 KiB is up to 384 KiB in
// JSON) a thousand times would otherwise make one request hold hundreds
// of megabytes.
const MaxRenderedBody = 8 << 20

// BodyBound is at most how many bytes Body(apiID) renders, from the
// request's values, without rendering it.
func (a *Answer) BodyBound(apiID string) int {
	if a.body == nil {
		return 0
	}
	return a.body.bound(apiID, &a.req)
}

// HasBody reports whether the rule sets a body. A rule with a 2xx or 3xx
// status and no body leaves the body to the contract; one with a 4xx or 5xx
// status and no body answers {"api_id", "error": status text}.
func (a *Answer) HasBody() bool { return a.body != nil }

// Body renders the answer's body with apiID as its api_id: nil when the
// rule sets none (HasBody), empty but not nil for `body: ""`.
func (a *Answer) Body(apiID string) []byte {
	if a.body == nil {
		return nil
	}
	return a.AppendBody([]byte{}, apiID)
}

// Engine answers requests from compiled scenarios. It is safe for concurrent
// use; the counters of sequences and `times` are shared by all callers (and
// by other engines through a Counter: see MatchCounted).
type Engine struct {
	rules    []*compiledRule
	index    *ruleIndex // the rules a request can match (index.go)
	world    World
	stateful bool
}

type compiledRule struct {
	name  string
	label string // name, or "#N" for the Nth rule of its file
	match *Matcher
	// index is the rule's place in Engine.rules: the same on every
	// replica that compiled the same scenarios (Counter.Hit's rule).
	index int
	// counts: the rule's answer depends on its hits (times, or a
	// sequence of more than one step).
	counts bool

	steps []compiledStep
	ends  []int64 // ends[i]: the number of hits after which step i is used up
	times int64

	// hits counts the rule's hits; with a Counter, it is only the last
	// count the Counter gave, for Closest.
	hits atomic.Int64
}

// A Counter counts the hits of an engine's rules where several engines
// (replicas of the fake) share them, so that `times: 2` is two answers in
// all. MatchCounted asks it only for the rules whose answer depends on
// their hits (a positive times, or a sequence of more than one step).
type Counter interface {
	// Hit counts one hit of the rule at place rule (the same on every
	// engine compiled from the same scenarios) and returns the rule's
	// hits, this one included.
	Hit(ctx context.Context, rule int) (int64, error)
}

type kv struct{ k, v string }

type bodyField struct {
	k, v  string
	num   float64
	isNum bool
}

type compiledStep struct {
	status   int
	header   http.Header
	body     *template
	minDelay time.Duration
	spread   time.Duration
	drop     bool
}

// Compile validates scenarios (without checking operation ids; see
// Validate) and compiles their rules. Later scenarios override earlier ones:
// their rules are tried first, and their world entries replace those with the
// same id.
func Compile(ss ...*Scenario) (*Engine, error) {
	e := &Engine{}
	var errs []error
	for i := len(ss) - 1; i >= 0; i-- {
		s := ss[i]
		if s == nil {
			errs = append(errs, errors.New("compile: nil scenario"))
			continue
		}
		if err := s.Validate(nil); err != nil {
			errs = append(errs, err)
			continue
		}
		for j := range s.Rules {
			cr, err := compileRule(&s.Rules[j], j)
			if err != nil {
				errs = append(errs, s.errorAt(s.Rules[j].Pos, err.Error()))
				continue
			}
			cr.index = len(e.rules)
			e.rules = append(e.rules, cr)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	e.index = newRuleIndex(e.rules)
	for _, s := range ss {
		e.world = mergeWorld(e.world, s.World) // ss has no nil here
		e.stateful = e.stateful || s.Stateful
	}
	return e, nil
}

// World is the merged world of the compiled scenarios.
func (e *Engine) World() World { return e.world }

// Stateful reports whether any compiled scenario asks for the stateful
// multi-party call (stateful: true).
func (e *Engine) Stateful() bool { return e.stateful }

// Reset rewinds every sequence and `times` counter, as on a fresh start; a
// Counter's counts are its own to reset.
func (e *Engine) Reset() {
	for _, r := range e.rules {
		r.hits.Store(0)
	}
}

// Match returns the answer of the first rule that matches req, and false when
// none does (the contract answers). A match counts as a hit of that rule, in
// the engine.
func (e *Engine) Match(req Request) (Answer, bool) {
	a, ok, _ := e.match(context.Background(), req, nil, true)
	return a, ok
}

// Peek is Match without the hit: the answer the next matching request
// would get, with every counter of the engine as it is (a proxy's dry run).
func (e *Engine) Peek(req Request) (Answer, bool) {
	a, ok, _ := e.match(context.Background(), req, nil, false)
	return a, ok
}

// MatchCounted is Match with the hits of the rules that count (times, or a
// sequence of more than one step) counted by c instead of the engine; nil c
// is Match. Other rules cost c nothing. An error of c is returned as is,
// with no answer: the request cannot be answered as the rules say.
func (e *Engine) MatchCounted(ctx context.Context, req Request, c Counter) (Answer, bool, error) {
	return e.match(ctx, req, c, true)
}

func (e *Engine) match(ctx context.Context, req Request, c Counter, count bool) (Answer, bool, error) {
	for _, r := range e.index.group(req.OperationID).candidates(&req) {
		if !r.match.Matches(&req) {
			continue
		}
		n := r.hits.Load() + 1
		switch {
		case !count:
		case c != nil && r.counts:
			var err error
			if n, err = c.Hit(ctx, r.index); err != nil {
				return Answer{}, false, err
			}
			r.hits.Store(n)
		default:
			n = r.hits.Add(1)
		}
		if r.times > 0 && n > r.times {
			continue
		}
		st := &r.steps[len(r.steps)-1]
		for i, end := range r.ends {
			if n <= end {
				st = &r.steps[i]
				break
			}
		}
		a := Answer{RuleName: r.name, Status: st.status, Header: st.header, Drop: st.drop, body: st.body, req: req}
		a.Delay = st.minDelay
		if st.spread > 0 {
			a.Delay += rand.N(st.spread + 1)
		}
		return a, true, nil
	}
	return Answer{}, false, nil
}

func compileRule(r *Rule, i int) (*compiledRule, error) {
	m, err := NewMatcher(r.Match)
	if err != nil {
		return nil, err
	}
	cr := &compiledRule{name: r.Name, label: r.Name, match: m, times: int64(r.Times)}
	if cr.label == "" {
		cr.label = fmt.Sprintf("#%d", i+1)
	}
	steps := r.Sequence
	if r.Respond != nil {
		steps = []Step{{Response: *r.Respond, Times: 1}}
	}
	var end int64
	for _, st := range steps {
		cs, err := compileStep(&st.Response)
		if err != nil {
			return nil, err
		}
		cr.steps = append(cr.steps, cs)
		end += int64(max(st.Times, 1))
		cr.ends = append(cr.ends, end)
	}
	cr.counts = cr.times > 0 || len(cr.steps) > 1
	return cr, nil
}

func compileStep(r *Response) (compiledStep, error) {
	cs := compiledStep{
		status:   r.Status,
		minDelay: r.Delay.Min,
		spread:   r.Delay.Max - r.Delay.Min,
		drop:     r.Drop,
	}
	if len(r.Headers) > 0 {
		cs.header = make(http.Header, len(r.Headers))
		for k, v := range r.Headers {
			cs.header.Set(k, v)
		}
	}
	// A bodiless answer (respond: 500) leaves the body to the fake: the
	// contract's error example for the status, the text the built-in
	// scenarios write too.
	body, raw := r.Body, r.BodyRaw
	if body != nil {
		t, err := compileBody(body, raw)
		if err != nil {
			return cs, fmt.Errorf("rule body: %w", err)
		}
		cs.body = t
	}
	return cs, nil
}

// mergeWorld adds over to base; entries with the same id are replaced.
func mergeWorld(base, over World) World {
	out := World{}
	out.Accounts = append(out.Accounts, base.Accounts...)
	for _, a := range over.Accounts {
		if i := indexOf(out.Accounts, func(x Account) bool { return x.AuthID == a.AuthID }); i >= 0 {
			out.Accounts[i] = a
		} else {
			out.Accounts = append(out.Accounts, a)
		}
	}
	out.PHLOs = append(out.PHLOs, base.PHLOs...)
	for _, p := range over.PHLOs {
		if i := indexOf(out.PHLOs, func(x PHLO) bool { return x.ID == p.ID }); i >= 0 {
			out.PHLOs[i] = p
		} else {
			out.PHLOs = append(out.PHLOs, p)
		}
	}
	return out
}

func indexOf[T any](s []T, f func(T) bool) int {
	for i, x := range s {
		if f(x) {
			return i
		}
	}
	return -1
}
