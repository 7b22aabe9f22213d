package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/internal/report"
)

// newFlagSet returns a flag set that reports its errors rather than
// exiting. help, when given, is what -h prints above the flags: a usage
// line, what the command does, examples and exit codes.
func newFlagSet(name string, stderr io.Writer, help ...string) *flag.FlagSet {
	fs := flag.NewFlagSet("phlomock "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if len(help) > 0 {
		text := strings.Join(help, "")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), text)
			if hasFlags(fs) {
				fmt.Fprintln(fs.Output())
				fmt.Fprintln(fs.Output(), "Flags:")
				printDefaults(fs)
			}
		}
	}
	return fs
}

// printDefaults is fs.PrintDefaults with each flag spelt --name, as the
// messages and the docs spell them (the flag package reads either); a
// one-letter flag stays -o.
func printDefaults(fs *flag.FlagSet) {
	out := fs.Output()
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(out)
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		rest, ok := strings.CutPrefix(line, "  -")
		if name, _, _ := strings.Cut(rest, " "); ok && len(strings.TrimSpace(name)) > 1 {
			line = "  --" + rest
		}
		fmt.Fprint(out, line)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args, flags and arguments in any order: Go's flag
// package stops at the first argument that is not a flag and leaves the
// flags after it unread, so `serve my.yaml --log-level debug` would ignore
// --log-level without a word. The arguments are left in fs.Args() for the
// command to accept or refuse; everything after "--" is an argument.
//
// A flag error is one line (exit 2), with a did-you-mean for an unknown
// flag, instead of the whole flag list; -h prints the command's help.
func parseFlags(fs *flag.FlagSet, args []string) error {
	help, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard) // the flag package would print the error and the usage
	defer func() { fs.Usage = help; fs.SetOutput(out) }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			fs.Usage = help
			fs.SetOutput(out)
			if errors.Is(err, flag.ErrHelp) {
				if help != nil {
					help()
				} else {
					fs.PrintDefaults()
				}
				return err
			}
			return &exitError{code: 2, err: flagError(fs, args, err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parse stops at "--" and leaves what follows as fs.Args().
	return fs.Parse(append([]string{"--"}, positional...))
}

// flagError words a parse error: an unknown flag is named with the flag the
// user probably meant.
func flagError(fs *flag.FlagSet, args []string, err error) error {
	cmd := strings.TrimPrefix(fs.Name(), "phlomock ")
	arg, ok := unknownFlag(fs, args)
	if !ok {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	msg := fmt.Sprintf("%s: unknown flag --%s", cmd, name)
	if near := suggestFlag(fs, name); near != "" {
		msg += fmt.Sprintf(" (did you mean --%s?)", near)
	} else if name == "version" || name == "v" {
		msg += " (the version is 'phlomock --version')"
	}
	return fmt.Errorf("%s; run 'phlomock help %s' for the flags", msg, cmd)
}

// unknownFlag returns the first argument of args that names a flag fs does
// not have, reading args as the flag package does: a flag that takes a
// value without "=" takes the next argument.
func unknownFlag(fs *flag.FlagSet, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return "", false
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			return a, true
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && (!ok || !b.IsBoolFlag()) {
			i++
		}
	}
	return "", false
}

// flagSynonyms are the flags of other tools, or plain words, that mean one
// of ours, for a did-you-mean that spelling alone cannot find: --port is
// --addr here.
var flagSynonyms = map[string][]string{
	"port":     {"addr"},
	"host":     {"addr"},
	"listen":   {"addr"},
	"bind":     {"addr"},
	"address":  {"addr"},
	"url":      {"target"},
	"base-url": {"target"},
	"user":     {"auth-id"},
	"username": {"auth-id"},
	"password": {"auth-token"},
	"token":    {"auth-token"},
	"debug":    {"log-level"},
	"verbose":  {"log-level"},
	"openapi":  {"spec"},
	"cmd":      {"driver"},
	"phlo":     {"phlo-id", "ids"},
	"node":     {"node-id", "ids"},
	"command":  {"driver"},
}

// suggestFlag returns the flag of fs that name most likely means, or "".
func suggestFlag(fs *flag.FlagSet, name string) string {
	for _, s := range flagSynonyms[strings.ToLower(name)] {
		if fs.Lookup(s) != nil {
			return s
		}
	}
	var names, longer []string
	fs.VisitAll(func(f *flag.Flag) {
		names = append(names, f.Name)
		if len(name) >= 3 && strings.HasPrefix(f.Name, strings.ToLower(name)+"-") {
			longer = append(longer, f.Name) // --admin for --admin-addr
		}
	})
	if near := didyoumean.Closest(name, names); near != "" {
		return near
	}
	return strings.Join(longer, ", --")
}

// noArgs refuses the arguments of a command that takes none.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() == 0 {
		return nil
	}
	return usageError(argError(fs, fs.Arg(0), ""))
}

// argError is the message for an argument a command does not take, with
// hint (what the user probably meant) when there is one.
func argError(fs *flag.FlagSet, arg, hint string) string {
	cmd := strings.TrimPrefix(fs.Name(), "phlomock ")
	switch {
	case hint != "":
	case arg == "true" || arg == "false":
		hint = "a boolean flag takes its value after =, as in --watch=" + arg
	default:
		hint = "run 'phlomock help " + cmd + "' for the flags"
	}
	return fmt.Sprintf("%s takes no arguments, got %q: %s", cmd, arg, hint)
}

// envDefault returns the value of the PHLOMOCK_ environment variable key, or def.
func envDefault(key, def string) string {
	if v, ok := os.LookupEnv("PHLOMOCK_" + strings.ToUpper(key)); ok {
		return v
	}
	return def
}

// checkListenAddr refuses an address a server cannot listen on, saying
// what to write instead. A bare port (Prism's --port 4010, WireMock's
// --port 8080) is refused rather than guessed: Prism listens on 127.0.0.1
// and WireMock on every interface, so either guess surprises half of the
// users, and one of them exposes the fake to the network.
func checkListenAddr(flag, addr string) error {
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		return fmt.Errorf("%s %s is a port alone: say the interface too, %s 127.0.0.1:%s (this machine only) or %s :%s (every interface)", flag, addr, flag, addr, flag, addr)
	}
	if rest, ok := strings.CutPrefix(addr, "http://"); ok || strings.HasPrefix(addr, "https://") {
		return fmt.Errorf("%s %q: an address to listen on, not a URL: %s %s", flag, addr, flag, strings.TrimSuffix(cmp.Or(rest, strings.TrimPrefix(addr, "https://")), "/"))
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: want HOST:PORT, such as 127.0.0.1:8080 or :8080 (%v)", flag, addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%s %q: port %q is not a number from 0 to 65535", flag, addr, port)
	}
	return nil
}

// notOneOf is the error of a flag whose value is none of options: the
// options, and the one a near-miss value meant (--report jsn: "json").
func notOneOf(flag, value string, options ...string) error {
	want := strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
	if near := didyoumean.Closest(value, options); near != "" {
		return fmt.Errorf("%s %q: want %s (did you mean %q?)", flag, value, want, near)
	}
	return fmt.Errorf("%s %q: want %s", flag, value, want)
}

// reportFlags are the report flags of conform, certify and coverage:
// --report (text or json) on standard output, --junit and --html files.
type reportFlags struct{ format, junit, html string }

// register adds the flags to fs; html says what the HTML page holds.
func (r *reportFlags) register(fs *flag.FlagSet, html string) {
	fs.StringVar(&r.format, "report", "text", "report format on stdout: text or json")
	fs.StringVar(&r.junit, "junit", "", "also write a JUnit XML report to this file (- for standard output)")
	fs.StringVar(&r.html, "html", "", "also write an HTML report to this file (- for standard output)"+html)
}

// check refuses a --report format the command does not write.
func (r *reportFlags) check(command string) error {
	if r.format != "text" && r.format != "json" {
		return usageError(command + ": " + notOneOf("--report", r.format, "text", "json").Error())
	}
	return nil
}

// reportWriters write one run's report in each format.
type reportWriters struct{ text, json, junit, html func(io.Writer) error }

// outputs are the reports the flags ask for, in the order they are
// written: the files, then standard output (so that a run's last words
// on the terminal are its summary).
func (r *reportFlags) outputs(w reportWriters) []report.Output {
	stdout := w.text
	if r.format == "json" {
		stdout = w.json
	}
	return []report.Output{
		{Name: "--junit", Path: r.junit, Write: w.junit},
		{Name: "--html", Path: r.html, Write: w.html},
		{Name: "--report", Path: report.Stdout, Write: stdout},
	}
}
