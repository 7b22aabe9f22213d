package certify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/certify/driver"
	phlofake "github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
)

// ErrNoCase: a --cases pattern matches no case.
var ErrNoCase = errors.New("no such case")

// NoAnswerBudget is the client's timeout budget (the call's timeout_ms)
// that a protocol 2 driver gets for getPhlo/no-answer: short, so that a
// client that honours it passes in a second.
const NoAnswerBudget = time.Second

// Runner certifies one client: it starts the fake and the driver, runs the
// cases one at a time and judges each.
type Runner struct {
	// Spec is the contract the fake serves and requests are judged by
	// (openapi.Load()).
	Spec *openapi3.T
	// Command is the driver's command line, e.g. "phlomock driver" or
	// "node driver.js" (split like a shell would, but run without one).
	Command string
	// Driver configures the driver process (working directory, timeouts).
	Driver driver.Options
	// Logger receives the fake's log lines. Nil: none.
	Logger *slog.Logger
	// Seed draws the cases' values from the value space (Vary, ValueSpace);
	// the same seed, the same values. Reports print it.
	Seed uint64
	// Store, when set, keeps the fake's state where `phlomock serve
	// --store redis://...` does (a redisstore.Store): the cases'
	// scenarios, the simulated calls and the journal the cases are judged
	// from. Nil keeps it in the process. The run does not close it.
	Store phlofake.Backend
}

// Run certifies the client on cases (Cases() when nil). The error is for a
// run that could not be made or finished (the driver cannot start, breaks
// the protocol, hangs or exits): the client's own failures are findings in
// the report. Once the driver has been started, the report is returned
// even with an error: it holds every verdict reached and, in Stop, where
// and why the run stopped, so that a failed run still leaves its reports.
func (r *Runner) Run(ctx context.Context, cases []Case) (*Report, error) {
	if r.Spec == nil {
		return nil, errors.New("certify: nil spec")
	}
	if cases == nil {
		cases = Cases()
	}
	begin := time.Now()
	f, err := startFake(r.Spec, r.Logger, r.Store)
	if err != nil {
		return nil, fmt.Errorf("certify: fake: %w", err)
	}
	defer f.close()

	rep := &Report{Seed: r.Seed, Values: ValueSpace()}
	stop := func(c string, err error, seen string) (*Report, error) {
		rep.Stop = &Stop{Case: c, Reason: redact(stopReason(err, seen), mockserver.DefaultAuthToken)}
		rep.Duration = time.Since(begin)
		if seen != "" {
			err = fmt.Errorf("%s: %w", seen, err)
		}
		return rep, fmt.Errorf("certify: %w", err)
	}
	d, err := driver.Start(ctx, r.Command, r.Driver)
	if err != nil {
		return stop("", err, "")
	}
	hello := d.Hello()
	rep.Client, rep.Version, rep.Operations = hello.Client, hello.Version, hello.Operations
	index := newContractIndex(r.Spec)
	// The cases on time and configuration run on getPhlo, or on the
	// first operation the client offers.
	cases = Vary(retarget(cases, hello), r.Seed)
	own := owners(cases)
	lateOf := func(late map[int][]*mockserver.Entry, during string) {
		for i, es := range late {
			if i >= len(rep.Results) {
				continue // a case not judged yet: cannot be late
			}
			for _, e := range es {
				res := &rep.Results[i]
				res.Findings = append(res.Findings, lateFinding(res.Case, e, during))
				res.Verdict = VerdictFail
			}
		}
	}
	for _, c := range cases {
		res, seen, late, err := r.runCase(ctx, f, d, index, hello, c, own, len(rep.Results))
		lateOf(late, c.ID)
		if err != nil && c.Trouble != nil && c.Trouble.Hold && errors.Is(err, driver.ErrTimeout) && ctx.Err() == nil {
			// The client waited for an answer that never came: its finding,
			// then a fresh driver for the cases after it.
			res.Verdict = VerdictFail
			res.Findings = append(res.Findings, Finding{Code: CodeClientNoTimeout, Case: c.ID, Message: fmt.Sprintf(
				"the fake held the answer past the client's timeout budget (%s) and the client did not give up: the driver gave no result within %s (%s); give the client an HTTP timeout",
				budgetText(hello, c, r.callTimeout()), r.callTimeout(), seen)})
			rep.Results = append(rep.Results, res)
			_ = d.Close()
			if d, err = driver.Start(ctx, r.Command, r.Driver); err != nil {
				return stop(c.ID, fmt.Errorf("restarting the driver after %s: %w", c.ID, err), "")
			}
			continue
		}
		if err != nil {
			_ = d.Close()
			return stop(c.ID, err, seen)
		}
		rep.Results = append(rep.Results, res)
	}
	// A request sent after the last call returned: wait a moment for it,
	// the driver still running.
	time.Sleep(lateGrace)
	if entries, err := f.journal(true); err == nil {
		var after []*mockserver.Entry
		for _, e := range entries {
			if !f.judged[entryKey(e)] {
				after = append(after, e)
			}
		}
		_, late := attribute(after, own, -1)
		lateOf(late, "the grace period after the last case")
	}
	// Last, the failed cases are shrunk, the first shrinkCasesPerRun in
	// case order.
	shrunk := 0
	for i := range rep.Results {
		res := &rep.Results[i]
		if res.Verdict != VerdictFail || !shrinkable(res.Case) || shrunk >= shrinkCasesPerRun {
			continue
		}
		shrunk++
		res.Shrunk = r.shrink(ctx, f, d, index, hello, cases[i], *res, own, i)
	}
	if err := d.Close(); err != nil {
		return stop("", err, "")
	}
	rep.Duration = time.Since(begin)
	return rep, nil
}

func (r *Runner) callTimeout() time.Duration {
	if r.Driver.CallTimeout > 0 {
		return r.Driver.CallTimeout
	}
	return driver.DefaultCallTimeout
}

// budget is the client's timeout budget for a case, sent as timeout_ms to
// a protocol 2 driver: NoAnswerBudget for the case that holds its answer,
// and otherwise 80% of the call's timeout, room for the driver itself.
func budget(c Case, call time.Duration) time.Duration {
	if c.Trouble != nil && c.Trouble.Hold {
		return min(NoAnswerBudget, call/2)
	}
	return call * 8 / 10
}

func budgetText(hello driver.HelloInfo, c Case, call time.Duration) string {
	if hello.Protocol >= 2 {
		return fmt.Sprintf("timeout_ms %d", budget(c, call).Milliseconds())
	}
	return fmt.Sprintf("protocol 1: below the call's timeout of %s", call)
}

// lateGrace is how long a run waits, after its last case, for requests a
// client sends after its call returned.
const lateGrace = 300 * time.Millisecond

func (r *Runner) runCase(ctx context.Context, f *fake, d *driver.Driver, contract *contractIndex, hello driver.HelloInfo, c Case, own map[string]int, self int) (res Result, seen string, late map[int][]*mockserver.Entry, err error) {
	res = Result{Case: c}
	steps := c.steps()
	for _, s := range steps {
		if !hello.Supports(s.Operation) {
			res.Verdict, res.Skipped = VerdictSkipped, "the client does not offer "+s.Operation
			return res, "", nil, nil
		}
	}
	call := r.callTimeout()
	// Held past the call's timeout: past any budget a driver may choose.
	if err := f.arrange(c, call+time.Second); err != nil {
		return res, "", nil, err
	}
	cfg := f.configFor(c)
	begin := time.Now()
	for i, s := range steps {
		m := driver.CallMessage{
			ID: s.ID, Operation: s.Operation, BaseURL: cfg.baseURL,
			AuthID: cfg.authID, AuthToken: cfg.token, Params: s.Params,
		}
		if len(steps) > 1 {
			m.ID = fmt.Sprintf("%s#%d", s.ID, i+1)
		}
		stderrBefore := len(d.Stderr())
		if hello.Protocol >= 2 {
			m.TimeoutMS = int(budget(c, call).Milliseconds())
		}
		out, err := d.Call(ctx, m)
		all, jerr := f.journal(i == len(steps)-1)
		if jerr != nil {
			return res, "", nil, fmt.Errorf("case %s: %w", c.ID, jerr)
		}
		var fresh []*mockserver.Entry
		for _, e := range all {
			if !f.judged[entryKey(e)] {
				fresh = append(fresh, e)
				f.judged[entryKey(e)] = true
			}
		}
		entries, lateHere := attribute(fresh, own, self)
		for k, es := range lateHere {
			if late == nil {
				late = map[int][]*mockserver.Entry{}
			}
			late[k] = append(late[k], es...)
		}
		res.Requests += len(entries)
		res.Journal = append(res.Journal, entries...)
		if err != nil {
			res.Duration = time.Since(begin)
			return res, describeJournal(entries), late, err
		}
		if out.Outcome == driver.OutcomeUnsupported {
			res.Verdict, res.Skipped = VerdictSkipped, "the client cannot perform "+s.Operation+": "+redact(scrub(out.Message), mockserver.DefaultAuthToken)
			return res, "", late, nil
		}
		stderr := d.Stderr()
		j := &judge{c: s, authID: cfg.authID, secret: cfg.token, contract: contract, cfg: cfg, stderr: stderr[min(stderrBefore, len(stderr)):], retryAt: f.retryAt}
		for _, fd := range j.run(entries, out) {
			if len(steps) > 1 {
				fd.Message = fmt.Sprintf("call %d of %d (%s): %s", i+1, len(steps), s.Operation, fd.Message)
			}
			res.Findings = append(res.Findings, fd)
		}
	}
	res.Duration = time.Since(begin)
	res.Verdict = VerdictPass
	if len(res.Findings) > 0 {
		res.Verdict = VerdictFail
	}
	return res, "", late, nil
}

// describeJournal says what the fake saw in a case, for a run that stops
// there: "the client sent 14 requests (getPhlo), all answered 429".
func describeJournal(entries []*mockserver.Entry) string {
	if len(entries) == 0 {
		return "the client sent no request in this case"
	}
	statuses := map[int]int{}
	ops := map[string]bool{}
	for _, e := range entries {
		statuses[e.Status]++
		op := e.OperationID
		if op == "" {
			op = e.Method + " " + e.Path
		}
		ops[op] = true
	}
	answer := func(status int) string {
		if status == 0 {
			return "unanswered"
		}
		return fmt.Sprintf("answered %d", status)
	}
	s := fmt.Sprintf("the client sent %d request", len(entries))
	if len(entries) > 1 {
		s += "s"
	}
	s += " (" + strings.Join(slices.Sorted(maps.Keys(ops)), ", ") + ")"
	codes := slices.Sorted(maps.Keys(statuses))
	switch {
	case len(codes) == 1 && len(entries) > 1:
		return s + ", all " + answer(codes[0])
	case len(codes) == 1:
		return s + ", " + answer(codes[0])
	}
	var parts []string
	for _, st := range codes {
		parts = append(parts, fmt.Sprintf("%d %s", statuses[st], answer(st)))
	}
	return s + ": " + strings.Join(parts, ", ")
}

// stopReason is the text of Report.Stop: what went wrong with the driver
// (without its standard error, which only the error carries) and what the
// fake saw.
func stopReason(err error, seen string) string {
	msg, _, _ := strings.Cut(err.Error(), "\ndriver stderr:")
	if seen != "" {
		msg += "; " + seen
	}
	return msg
}
