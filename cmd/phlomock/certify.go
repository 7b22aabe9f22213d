package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/openapi"
)

type certifyFlags struct {
	driver, cases, seed   string
	out                   reportFlags
	timeout, helloTimeout time.Duration
	parallel              int
}

const certifyUsage = `usage: phlomock certify --driver 'CMD ARGS' [--cases GLOBS] [--seed N] [--parallel N] [--report text|json] [--junit FILE] [--html FILE] [--timeout 10s]

Certifies a PHLO runner client: starts its driver (docs/driver-protocol.md), runs every case
against an in-process fake and judges what the client sent and what it surfaced.
The word phlomock at the start of --driver names this very binary: --driver 'phlomock driver'
certifies phlomock's own Go client.

Examples:
  phlomock certify --driver 'phlomock driver'
  phlomock certify --driver 'node certify/drivers/plivo-node/driver.js' --junit certify.xml
  phlomock certify --driver 'phlomock driver' --cases 'coldTransfer/*,*/ok' --report json

Exit status: 0 certified, 1 findings, 2 the run failed (bad flags, a broken driver).
`

func runCertify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("certify", stderr, certifyUsage)
	var f certifyFlags
	fs.StringVar(&f.driver, "driver", envDefault("DRIVER", ""), "the driver's command line, e.g. 'phlomock driver' or 'node driver.js' (required) (env PHLOMOCK_DRIVER)")
	fs.StringVar(&f.cases, "cases", "", "run only the cases matching these comma-separated globs, e.g. 'coldTransfer/*,*/ok' (default: all)")
	f.out.register(fs, ": each failure with the client's requests, the fake's answers and the commands that replay them")
	fs.StringVar(&f.seed, "seed", envDefault("SEED", ""), "seed of the values the cases send (default: a fresh one); the report prints it and the value space, and the same seed sends the same values (env PHLOMOCK_SEED)")
	fs.IntVar(&f.parallel, "parallel", certify.DefaultParallel, "how many cases run at once, each in a session of its own of the one fake and each lane with a driver process of its own; 1 runs them one at a time, in order; the report is the same")
	fs.DurationVar(&f.timeout, "timeout", driver.DefaultCallTimeout, "how long the driver may take to answer one call")
	fs.DurationVar(&f.helloTimeout, "hello-timeout", driver.DefaultHelloTimeout, "how long the driver may take to start and answer the hello")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(argError(fs, fs.Arg(0), "quote the driver's command line: --driver 'CMD ARGS'"))
	}
	if strings.TrimSpace(f.driver) == "" {
		return usageError("certify: --driver is required, e.g. --driver 'phlomock driver'; run 'phlomock help certify'")
	}
	if err := f.out.check("certify"); err != nil {
		return err
	}
	if f.parallel < 1 {
		return usageError(fmt.Sprintf("certify: --parallel %d: want 1 or more (1 runs the cases one at a time)", f.parallel))
	}
	if f.timeout <= 0 || f.helloTimeout <= 0 {
		return usageError("certify: --timeout and --hello-timeout must be positive")
	}
	command, err := selfCommand(f.driver)
	if err != nil {
		return usageError(fmt.Sprintf("certify: --driver: %v", err))
	}
	cases, err := certify.Select(certify.Cases(), f.cases)
	if err != nil {
		return usageError(fmt.Sprintf("certify: --%v", err))
	}
	spec, err := openapi.Load()
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("certify: %w", err)}
	}
	seed := uint64(time.Now().UnixNano()) % 1_000_000_000
	if f.seed != "" {
		if seed, err = strconv.ParseUint(f.seed, 10, 64); err != nil {
			return usageError(fmt.Sprintf("certify: --seed %q: want a whole number (the seed a report printed)", f.seed))
		}
	}
	runner := &certify.Runner{
		Spec:     spec,
		Seed:     seed,
		Command:  command,
		Parallel: f.parallel,
		// A failed run's error carries the end of the driver's stderr.
		Driver: driver.Options{CallTimeout: f.timeout, HelloTimeout: f.helloTimeout},
	}
	rep, runErr := runner.Run(ctx, cases)
	if rep == nil {
		return &exitError{code: 2, err: runErr}
	}
	// A run that stopped early (exit 2) still writes its reports: the
	// verdicts reached and where and why it stopped.
	err = report.Write(stdout, f.out.outputs(reportWriters{
		text:  func(w io.Writer) error { return certify.WriteText(w, rep) },
		json:  func(w io.Writer) error { return certify.WriteJSON(w, rep) },
		junit: func(w io.Writer) error { return certify.WriteJUnit(w, rep) },
		html:  func(w io.Writer) error { return certify.WriteHTML(w, rep) },
	})...)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("certify: %w", err)}
	}
	if runErr != nil {
		return &exitError{code: 2, err: runErr}
	}
	fmt.Fprintf(stderr, "phlomock certify: %s in %s\n", f.driver, rep.Duration.Round(time.Millisecond))
	if !rep.Certified() {
		return silentExit(1)
	}
	return nil
}

// selfCommand replaces a leading word "phlomock" of a driver command line
// by the path of this executable, so that `--driver 'phlomock driver'`
// certifies this very binary's client whether or not phlomock is on PATH.
func selfCommand(command string) (string, error) {
	words, err := driver.SplitCommand(command)
	if err != nil {
		return "", err
	}
	if words[0] != "phlomock" {
		return command, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find this executable: %w", err)
	}
	words[0] = exe
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuote(w)
	}
	return strings.Join(quoted, " "), nil
}

// shellQuote quotes a word for driver.SplitCommand.
func shellQuote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
