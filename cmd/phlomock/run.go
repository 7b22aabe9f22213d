package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// Main is one run of the phlomock command, as benbjohnson/wtf's Main: the
// standard input and the hooks tests set. main sets Stdin; the zero value
// of every hook is what the binary does.
type Main struct {
	// Stdin is where `phlomock driver` reads phlomock's messages.
	Stdin io.Reader
	// ServeMiddleware, when set, wraps serve's API handler: tests use it to
	// know when a request is in flight.
	ServeMiddleware func(http.Handler) http.Handler
	// WatchInterval is how often serve --watch looks at the files; 0 is
	// defaultWatchInterval.
	WatchInterval time.Duration
}

// A command is one subcommand. Each lives in a file of its own, named after it.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the one place where subcommands are registered.
func (m *Main) commands() []command {
	return []command{
		{"serve", "run the fake PHLO runner", m.runServe},
		{"derive", "derive an OpenAPI 3 spec from a Postman v2.1 collection", runDerive},
		{"scenarios", "list the built-in scenarios, show one as YAML, or check scenario files", runScenarios},
		{"proxy", "forward to the real API and report how it differs from the fake (drift)", runProxy},
		{"conform", "run the conformance suite against the fake or a real deployment", runConform},
		{"certify", "certify a client implementation through a driver", runCertify},
		{"driver", "the reference Go client behind the certification driver protocol", m.runDriver},
		{"coverage", "tell which operations, statuses, actions and roles a test run exercised, and gate CI on it", runCoverage},
		{"pact", "export the journal as a Pact V4 consumer contract: phlomock pact export", runPact},
		{"healthcheck", "exit 0 when a running fake answers /healthz (for container HEALTHCHECKs)", runHealthcheck},
		{"version", "print the version", runVersion},
		{"help", "show the commands, or a command's help: phlomock help COMMAND", m.runHelp},
	}
}

// Run runs the command line args (without the program name).
func (m *Main) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr, m.commands())
		return usageError("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		usage(stdout, m.commands())
		return nil
	case "-version", "--version":
		return runVersion(ctx, args[1:], stdout, stderr)
	}
	if c, ok := m.command(name); ok {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	if strings.HasPrefix(name, "-") {
		return usageError(fmt.Sprintf("flags come after the command, as in: phlomock serve %s (run 'phlomock help')", name))
	}
	return usageError(fmt.Sprintf("unknown command %q%s (run 'phlomock help')", name, m.suggestCommand(name)))
}

func (m *Main) command(name string) (command, bool) {
	for _, c := range m.commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (m *Main) suggestCommand(name string) string {
	var names []string
	for _, c := range m.commands() {
		names = append(names, c.name)
	}
	if near := didyoumean.Closest(name, names); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}

// runHelp is `phlomock help [COMMAND]`: the list of commands, or what
// `phlomock COMMAND -h` prints.
func (m *Main) runHelp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0 || len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		usage(stdout, m.commands())
		return nil
	case len(args) > 1:
		return usageError(fmt.Sprintf("help takes one command, got %q", args))
	}
	c, ok := m.command(args[0])
	if !ok {
		return usageError(fmt.Sprintf("help: unknown command %q%s", args[0], m.suggestCommand(args[0])))
	}
	if c.name == "help" {
		usage(stdout, m.commands())
		return nil
	}
	return c.run(ctx, []string{"-h"}, stdout, stderr)
}

func usage(w io.Writer, commands []command) {
	fmt.Fprintln(w, "usage: phlomock COMMAND [flags]")
	fmt.Fprintln(w, "       phlomock --version")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'phlomock help COMMAND' (or 'phlomock COMMAND -h') for a command's flags, examples and exit codes.")
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
