package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/phlomock/phlomock/fake"
	"io"
	"os"
	"text/tabwriter"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

const scenariosUsage = `usage:
  phlomock scenarios [list]          list the built-in scenarios
  phlomock scenarios show NAME       print a built-in scenario as YAML
  phlomock scenarios check FILE...   parse and validate scenario files

A scenario scripts the fake's answers: serve --scenario NAME or FILE
activates it. 'show' is the quickest start for a file of your own; 'check'
reports every problem of every file as file:line:column and "FILE: ok" for
each good one.

Examples:
  phlomock scenarios
  phlomock scenarios show bad-role > my-errors.yaml
  phlomock scenarios check my-errors.yaml

Exit status: 0 listed, shown or every file good; 1 a file with problems;
2 an unknown subcommand or scenario name, or missing arguments.
`

func runScenarios(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scenarios", stderr, scenariosUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 || args[0] == "list" {
		if len(args) > 1 {
			return usageError("scenarios list takes no arguments")
		}
		return listScenarios(stdout)
	}
	switch args[0] {
	case "show":
		if len(args) != 2 {
			return usageError("scenarios show takes one scenario name")
		}
		data, err := scenarios.BuiltinYAML(args[1])
		if err != nil {
			if near := didyoumean.Closest(args[1], scenarios.BuiltinNames()); near != "" {
				return usageError(fmt.Sprintf("%v (did you mean %q?)", err, near))
			}
			return usageError(err.Error())
		}
		_, err = stdout.Write(data)
		return err
	case "check":
		if len(args) < 2 {
			return usageError("scenarios check needs at least one file")
		}
		return checkScenarios(args[1:], stdout, stderr)
	}
	msg := fmt.Sprintf("unknown scenarios command %q: want list, show NAME or check FILE...", args[0])
	if near := didyoumean.Closest(args[0], []string{"list", "show", "check"}); near != "" {
		msg = fmt.Sprintf("unknown scenarios command %q (did you mean %q?)", args[0], near)
	} else if fake.IsScenarioFile(args[0]) {
		msg += "; to check this file: phlomock scenarios check " + args[0]
	}
	return usageError(msg)
}

func listScenarios(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, name := range scenarios.BuiltinNames() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			return err // a broken embedded file: caught by the package's tests
		}
		suffix := ""
		if name == scenarios.Default {
			suffix = " [default]"
		}
		fmt.Fprintf(tw, "%s\t%s%s\n", name, s.Description, suffix)
	}
	return tw.Flush()
}

// checkScenarios prints one line per problem, as file:line:column: message,
// and "FILE: ok" for each good file; any problem exits 1.
func checkScenarios(files []string, stdout, stderr io.Writer) error {
	doc, err := openapi.Load()
	if err != nil {
		return fmt.Errorf("load the contract: %w", err)
	}
	known, ops := director.OperationIDs(doc), director.Operations(doc)
	failed := false
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", file, errors.Unwrap(err))
			failed = true
			continue
		}
		// The one reading of a file: serve, conform and an upload refuse
		// what this refuses.
		if _, err := scenarios.CheckFile(file, data, known, ops); err != nil {
			fmt.Fprintln(stderr, err)
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", file)
	}
	if failed {
		return silentExit(1)
	}
	return nil
}
