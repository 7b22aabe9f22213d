package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// A command is one subcommand. Each lives in a file of its own, named after it.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the one place where subcommands are registered.
func commands() []command {
	return []command{
		{"serve", "run the fake PHLO runner", runServe},
		{"derive", "derive an OpenAPI 3 spec from a Postman v2.1 collection", runDerive},
		{"scenarios", "list the built-in scenarios, or show one as YAML", runScenarios},
		{"proxy", "forward to the real API and report how it differs from the fake (drift)", runProxy},
		{"conform", "run the conformance suite against the fake or a real deployment", runConform},
		{"certify", "certify a client implementation through a driver", runCertify},
		{"driver", "the reference Go client behind the certification driver protocol", runDriver},
		{"healthcheck", "exit 0 when a running fake answers /healthz (for container HEALTHCHECKs)", runHealthcheck},
		{"version", "print the version", runVersion},
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageError("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return usageError(fmt.Sprintf("unknown command %q", name))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: phlomock COMMAND [flags]")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'phlomock COMMAND -h' for a command's flags.")
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "phlomock", version)
	return nil
}

// exitError carries the process exit code: 1 for a failed check or bad input
// file, 2 for a misuse of the command line or a run that could not be made.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(msg string) error {
	return &exitError{code: 2, err: errors.New(msg)}
}

// silentExit is an exit code whose reason was already printed (a report).
func silentExit(code int) error { return &exitError{code: code} }

func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "phlomock: %v\n", err)
	return code
}

// newFlagSet returns a flag set that reports its errors rather than exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("phlomock "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a flag error into a usage error (exit 2).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	return nil
}

// envDefault returns the value of the PHLOMOCK_ environment variable key, or def.
func envDefault(key, def string) string {
	if v, ok := os.LookupEnv("PHLOMOCK_" + strings.ToUpper(key)); ok {
		return v
	}
	return def
}
