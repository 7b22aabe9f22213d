package certify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver"
)

// A worker is one lane and the driver process that calls it.
type worker struct {
	l *lane
	d *driver.Driver
}

func (r *Runner) startWorker(ctx context.Context, f *fake) (*worker, error) {
	l, err := f.newLane()
	if err != nil {
		return nil, fmt.Errorf("fake: %w", err)
	}
	d, err := driver.Start(ctx, r.Command, r.Driver)
	if err != nil {
		l.close()
		return nil, err
	}
	return &worker{l: l, d: d}, nil
}

// unitsOf groups the cases that must run on one lane, in order: a case
// that switches accounts (Case.Switch) with the case before it, whose
// configuration a client that keeps its first one would send again.
// Every other case is a unit of its own.
func unitsOf(cases []Case) [][]int {
	var units [][]int
	for i, c := range cases {
		if c.Switch && len(units) > 0 {
			units[len(units)-1] = append(units[len(units)-1], i)
			continue
		}
		units = append(units, []int{i})
	}
	return units
}

// pass is one run's cases on its lanes: the units are taken in order by
// whichever lane is free; each result goes to its case's index, so that
// the report is in case order whatever the timing.
type pass struct {
	r       *Runner
	f       *fake
	hello   driver.HelloInfo
	index   *contractIndex
	cases   []Case
	own     *owned
	units   [][]int
	results []*Result

	mu   sync.Mutex
	next int // the next unit to take
	// stopAt is the index of the earliest case where a driver failed (the
	// run keeps the verdicts before it, as a run one at a time would
	// have), len(cases) when none did.
	stopAt int
	stop   *stopped
}

type stopped struct {
	c, seen string
	err     error
}

// run runs the pass on first and Parallel-1 more lanes, then shrinks the
// failed cases on the lanes still up, and closes them.
func (p *pass) run(ctx context.Context, first *worker) {
	n := p.r.Parallel
	if n <= 0 {
		n = DefaultParallel
	}
	n = max(1, min(n, len(p.units)))
	workers := make([]*worker, n)
	workers[0] = first
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				w, err := p.r.startWorker(ctx, p.f)
				if err != nil {
					p.fail(0, "", err, "")
					return
				}
				workers[i] = w
			}
			p.cases1(ctx, workers[i])
		}()
	}
	wg.Wait()
	// The late requests' findings last, in the order of their texts: they
	// arrive when they arrive.
	for _, res := range p.results {
		if res != nil {
			slices.SortStableFunc(res.Findings, func(a, b Finding) int {
				la, lb := a.Code == CodeSentAfterReturn, b.Code == CodeSentAfterReturn
				switch {
				case la && lb:
					return strings.Compare(a.Message, b.Message)
				case la:
					return 1
				case lb:
					return -1
				}
				return 0
			})
		}
	}
	if p.stop == nil {
		p.shrinkAll(ctx, workers)
	}
	for i, w := range workers {
		if w == nil {
			continue
		}
		w.l.close()
		if w.d == nil {
			continue
		}
		if err := w.d.Close(); err != nil && p.stop == nil {
			p.fail(len(p.cases), "", fmt.Errorf("lane %d: %w", i+1, err), "")
		}
	}
}

// take returns the next unit, none once the units run out or reach a
// case past a stop.
func (p *pass) take() ([]int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= len(p.units) || p.units[p.next][0] >= p.stopAt {
		return nil, false
	}
	u := p.units[p.next]
	p.next++
	return u, true
}

// fail records that the run stops at case i (len(cases): after the
// last), unless an earlier case already stopped it.
func (p *pass) fail(i int, c string, err error, seen string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < p.stopAt || p.stop == nil {
		p.stopAt = min(p.stopAt, i)
		p.stop = &stopped{c: c, err: err, seen: seen}
	}
}

// late gives the cases that made them the requests another case's
// journal caught: those cases are done (the same lane ran them).
func (p *pass) late(late map[int][]*mockserver.Entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, es := range late {
		res := p.results[i]
		if res == nil {
			continue // not judged yet: cannot be late
		}
		for _, e := range es {
			// Once each, whenever and however often it arrived.
			if f := lateFinding(res.Case, e); !slices.Contains(res.Findings, f) {
				res.Findings = append(res.Findings, f)
			}
			res.Verdict = VerdictFail
		}
	}
}

// cases1 runs units on w until none is left, then waits the grace period
// for requests its client sends after its last call returned.
func (p *pass) cases1(ctx context.Context, w *worker) {
	r := p.r
	for {
		u, ok := p.take()
		if !ok {
			break
		}
		for _, i := range u {
			c := p.cases[i]
			res, seen, late, err := r.runCase(ctx, w.l, w.d, p.index, p.hello, c, p.own, i)
			p.late(late)
			if err != nil && c.Trouble != nil && c.Trouble.Hold && errors.Is(err, driver.ErrTimeout) && ctx.Err() == nil {
				// The client waited for an answer that never came: its
				// finding, then a fresh driver for the cases after it.
				res.Verdict = VerdictFail
				res.Findings = append(res.Findings, Finding{Code: CodeClientNoTimeout, Case: c.ID, Message: fmt.Sprintf(
					"the fake held the answer past the client's timeout budget (%s) and the client did not give up: the driver gave no result within %s (%s); give the client an HTTP timeout",
					budgetText(p.hello, c, r.callTimeout()), r.callTimeout(), seen)})
				p.put(i, res)
				_ = w.d.Close()
				if w.d, err = driver.Start(ctx, r.Command, r.Driver); err != nil {
					w.d = nil
					p.fail(i+1, c.ID, fmt.Errorf("restarting the driver after %s: %w", c.ID, err), "")
					return
				}
				continue
			}
			if err != nil {
				_ = w.d.Close()
				w.d = nil
				p.fail(i, c.ID, err, seen)
				return
			}
			p.put(i, res)
		}
	}
	// A request sent after the lane's last call returned: wait a moment
	// for it, the driver still running.
	time.Sleep(lateGrace)
	if entries, err := w.l.journal(true); err == nil {
		var after []*mockserver.Entry
		for _, e := range entries {
			if !w.l.judged[entryKey(e)] {
				after = append(after, e)
			}
		}
		_, late := attribute(after, p.own, -1)
		p.late(late)
	}
}

func (p *pass) put(i int, res Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[i] = &res
}

// shrinkAll shrinks the first shrinkCasesPerRun failed cases, in case
// order, on the lanes whose driver is up.
func (p *pass) shrinkAll(ctx context.Context, workers []*worker) {
	var todo []int
	for i, res := range p.results {
		if res != nil && res.Verdict == VerdictFail && shrinkable(res.Case) && len(todo) < shrinkCasesPerRun {
			todo = append(todo, i)
		}
	}
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	for _, w := range workers {
		if w == nil || w.d == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(todo) {
					mu.Unlock()
					return
				}
				i := todo[next]
				next++
				mu.Unlock()
				res := p.results[i]
				res.Shrunk = p.r.shrink(ctx, w.l, w.d, p.index, p.hello, p.cases[i], *res, p.own, i)
			}
		}()
	}
	wg.Wait()
}
