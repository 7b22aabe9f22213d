package certify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver"
)

// ErrNoCase: a --cases pattern matches no case.
var ErrNoCase = errors.New("no such case")

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
}

// Run certifies the client on cases (Cases() when nil). The error is for a
// run that could not be made (the driver cannot start, breaks the
// protocol, hangs or exits): the client's own failures are findings in the
// report.
func (r *Runner) Run(ctx context.Context, cases []Case) (*Report, error) {
	if r.Spec == nil {
		return nil, errors.New("certify: nil spec")
	}
	if cases == nil {
		cases = Cases()
	}
	begin := time.Now()
	f, err := startFake(r.Spec, r.Logger)
	if err != nil {
		return nil, fmt.Errorf("certify: fake: %w", err)
	}
	defer f.close()

	d, err := driver.Start(ctx, r.Command, r.Driver)
	if err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	hello := d.Hello()
	rep := &Report{Client: hello.Client, Version: hello.Version, Operations: hello.Operations}
	index := newContractIndex(r.Spec)
	for _, c := range cases {
		res, err := r.runCase(ctx, f, d, index, hello, c)
		if err != nil {
			_ = d.Close()
			return nil, fmt.Errorf("certify: %w", err)
		}
		rep.Results = append(rep.Results, res)
	}
	if err := d.Close(); err != nil {
		return nil, fmt.Errorf("certify: %w", err)
	}
	rep.Duration = time.Since(begin)
	return rep, nil
}

func (r *Runner) runCase(ctx context.Context, f *fake, d *driver.Driver, contract *contractIndex, hello driver.HelloInfo, c Case) (Result, error) {
	res := Result{Case: c}
	if !hello.Supports(c.Operation) {
		res.Verdict, res.Skipped = VerdictSkipped, "the client does not offer "+c.Operation
		return res, nil
	}
	if err := f.arrange(c); err != nil {
		return res, err
	}
	begin := time.Now()
	out, err := d.Call(ctx, driver.CallMessage{
		ID: c.ID, Operation: c.Operation, BaseURL: f.url,
		AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, Params: c.Params,
	})
	res.Duration = time.Since(begin)
	if err != nil {
		return res, err
	}
	entries := f.journal()
	res.Requests, res.Journal = len(entries), entries
	if out.Outcome == driver.OutcomeUnsupported {
		res.Verdict, res.Skipped = VerdictSkipped, "the client cannot perform "+c.Operation+": "+scrub(out.Message)
		return res, nil
	}
	j := &judge{c: c, authID: mockserver.DefaultAuthID, contract: contract}
	res.Findings = j.run(entries, out)
	res.Verdict = VerdictPass
	if len(res.Findings) > 0 {
		res.Verdict = VerdictFail
	}
	return res, nil
}
