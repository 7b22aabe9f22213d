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

// DefaultParallel is how many lanes a run has when Runner.Parallel is 0:
// the cases mostly wait (on the driver, on slow and held answers), so more
// lanes than cores still pay.
const DefaultParallel = 4

// Runner certifies one client: it starts the fake and the driver, runs the
// cases and judges each.
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
	// Parallel is how many cases run at once, each in a session of its own
	// of the one fake, each lane with a driver process of its own
	// (DefaultParallel when 0; 1 runs them one at a time, in order). The
	// report is the same whatever it is: same findings, same order.
	Parallel int
	// Store, when set, keeps the fake's state where `phlomock serve
	// --store redis://...` does (a redisstore.Store): the cases'
	// scenarios, the simulated calls and the journals the cases are
	// judged from. SessionBackend is then where each case's session keeps
	// its own (redisstore.Store.Session). Nil keeps it in the process. The
	// run does not close it.
	Store          phlofake.Backend
	SessionBackend func(id string) phlofake.Backend
}

// Run certifies the client on cases (Cases() when nil). The error is for a
// run that could not be made or finished (the driver cannot start, breaks
// the protocol, hangs or exits): the client's own failures are findings in
// the report. Once the driver has been started, the report is returned
// even with an error: it holds every verdict reached before the case where
// the run stopped and, in Stop, where and why, so that a failed run still
// leaves its reports.
func (r *Runner) Run(ctx context.Context, cases []Case) (*Report, error) {
	if r.Spec == nil {
		return nil, errors.New("certify: nil spec")
	}
	if cases == nil {
		cases = Cases()
	}
	begin := time.Now()
	f, err := startFake(r.Spec, r.Logger, r.Store, r.SessionBackend)
	if err != nil {
		return nil, fmt.Errorf("certify: fake: %w", err)
	}
	defer f.close()
	rep := &Report{Seed: r.Seed, Values: ValueSpace()}
	first, err := r.startWorker(ctx, f)
	if err != nil {
		rep.Stop = &Stop{Reason: redact(stopReason(err, ""), mockserver.DefaultAuthToken)}
		rep.Duration = time.Since(begin)
		return rep, fmt.Errorf("certify: %w", err)
	}
	hello := first.d.Hello()
	rep.Client, rep.Version, rep.Operations = hello.Client, hello.Version, hello.Operations
	// The cases on time and configuration run on getPhlo, or on the
	// first operation the client offers.
	cases = Vary(retarget(cases, hello), r.Seed)
	p := &pass{r: r, f: f, hello: hello, index: newContractIndex(r.Spec), cases: cases, own: owners(cases),
		results: make([]*Result, len(cases)), units: unitsOf(cases), stopAt: len(cases)}
	p.run(ctx, first)
	if s := p.stop; s != nil {
		rep.Stop = &Stop{Case: s.c, Reason: redact(stopReason(s.err, s.seen), mockserver.DefaultAuthToken)}
	}
	for _, res := range p.results[:p.stopAt] {
		if res == nil {
			break
		}
		rep.Results = append(rep.Results, *res)
	}
	rep.Duration = time.Since(begin)
	if s := p.stop; s != nil {
		err := s.err
		if s.seen != "" {
			err = fmt.Errorf("%s: %w", s.seen, err)
		}
		return rep, fmt.Errorf("certify: %w", err)
	}
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

// lateGrace is how long a lane waits, after its last case, for requests a
// client sends after its call returned.
const lateGrace = 300 * time.Millisecond

func (r *Runner) runCase(ctx context.Context, f *lane, d *driver.Driver, contract *contractIndex, hello driver.HelloInfo, c Case, own *owned, self int) (res Result, seen string, late map[int][]*mockserver.Entry, err error) {
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
	leftover, err := f.arrange(c, call+time.Second)
	if err != nil {
		return res, "", nil, err
	}
	_, late = attribute(leftover, own, -1)
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
		sent := time.Now()
		out, err := d.Call(ctx, m)
		returned := time.Now()
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
		if err == nil {
			// A request of this case the fake began to answer after the
			// call returned (or, in a sequence, before this call began) was
			// sent in the background: by the clock, not by when the journal
			// was read, so the finding does not depend on the machine's load.
			var after []*mockserver.Entry
			entries, after = sentOutside(entries, sent, returned, i > 0)
			for _, e := range after {
				if fd := lateFinding(c, e); !slices.Contains(res.Findings, fd) {
					res.Findings = append(res.Findings, fd)
				}
			}
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
