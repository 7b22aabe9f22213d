package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/coverage"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

const coverageUsage = `usage: phlomock coverage (--target CONTROL_PLANE_URL | --journal FILE) [--min PERCENT] [--min DIMENSION=PERCENT] [--require ITEM] [--report text|json] [--junit FILE] [--html FILE]

Tells which parts of the contract a test run exercised, from the fake's journal: operations,
statuses (each error the contract documents), actions, the status of each action, roles,
transitions of the simulated call (accepted, refused) and scenarios, overall and per client
(User-Agent). The universe is the contract's, so every figure is "of what the API has".
--min and --require make it a CI gate (docs/coverage.md).

An ITEM is OPERATION, OPERATION/STATUS, OPERATION/ACTION, OPERATION/ACTION/ROLE,
OPERATION/ACTION/STATUS or OPERATION/ACTION/accepted|refused. A DIMENSION is one of
operations, statuses, actions, action-statuses, roles, transitions, scenarios.

Examples:
  phlomock coverage --target http://127.0.0.1:8081
  phlomock coverage --journal journal.json --min 30 --require updateMultiPartyCall/cold_transfer/429
  phlomock coverage --target "$PHLOMOCK_ADMIN_URL" --min statuses=50 --junit coverage.xml --html coverage.html --save-journal journal.jsonl

Exit status: 0 the gate is met (or none was given), 1 it is not, 2 bad flags, an unreadable
journal or an unreachable control plane.
`

type coverageFlags struct {
	target, token, journal string
	out                    reportFlags
	saveJournal            string
	mins, require          stringList
}

func runCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("coverage", stderr, coverageUsage)
	var f coverageFlags
	fs.StringVar(&f.target, "target", envDefault("ADMIN_URL", ""), "base URL of a running fake's control plane (env PHLOMOCK_ADMIN_URL)")
	fs.StringVar(&f.token, "admin-token", envDefault("ADMIN_TOKEN", ""), "the control plane's bearer token (env PHLOMOCK_ADMIN_TOKEN)")
	fs.StringVar(&f.journal, "journal", "", "a saved journal instead: a page of GET /__admin/journal, a JSON array of entries or JSON Lines; - is standard input")
	fs.Var(&f.mins, "min", "fail below this coverage in percent, overall (80) or of one dimension (statuses=50) (repeatable)")
	fs.Var(&f.require, "require", "fail unless this item was exercised, e.g. updateMultiPartyCall/cold_transfer/429 (repeatable)")
	f.out.register(fs, "")
	fs.StringVar(&f.saveJournal, "save-journal", "", "with --target, also write the journal read to this file, one entry a line (JSON Lines, what --journal reads)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if f.journal != "" && !flagGiven(fs, "target") {
		f.target = "" // PHLOMOCK_ADMIN_URL of the job, not a second source
	}
	switch {
	case (f.target == "") == (f.journal == ""):
		return usageError("coverage: give one of --target CONTROL_PLANE_URL (a running fake) and --journal FILE (a saved journal)")
	case f.saveJournal != "" && f.target == "":
		return usageError("coverage: --save-journal writes the journal read from --target; with --journal the file is already saved")
	}
	if err := f.out.check("coverage"); err != nil {
		return err
	}
	gate := coverage.Gate{Min: map[coverage.Dimension]float64{}, Require: f.require}
	for _, m := range f.mins {
		d, p, err := parseMin(m)
		if err != nil {
			return usageError("coverage: --min " + err.Error())
		}
		gate.Min[d] = p
	}
	spec, err := openapi.Load()
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("coverage: %w", err)}
	}

	entries, names, subject, err := coverageInput(ctx, f)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("coverage: %w", err)}
	}
	u := coverage.NewUniverse(spec, names)
	for _, req := range f.require {
		if _, err := u.Resolve(req); err != nil {
			return usageError("coverage: --require " + err.Error())
		}
	}
	r := coverage.Measure(u, entries)
	gateErr := gate.Check(u, r)

	err = report.Write(stdout, f.out.outputs(reportWriters{
		text:  func(w io.Writer) error { return coverage.WriteText(w, r, gateErr) },
		json:  func(w io.Writer) error { return coverage.WriteJSON(w, r, gateErr) },
		junit: func(w io.Writer) error { return coverage.WriteJUnit(w, r, gateErr) },
		html:  func(w io.Writer) error { return coverage.WriteHTML(w, r, subject, gateErr) },
	})...)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("coverage: %w", err)}
	}
	if gateErr != nil {
		return silentExit(1)
	}
	return nil
}

// coverageInput reads the journal and the scenarios' names: from the
// control plane (its scenarios, built-in and loaded), or from a file (the
// built-ins and every scenario the journal names).
func coverageInput(ctx context.Context, f coverageFlags) ([]coverage.Entry, []string, string, error) {
	if f.journal != "" {
		data, err := readInput(f.journal)
		if err != nil {
			return nil, nil, "", err
		}
		es, err := coverage.ReadJournal(bytes.NewReader(data))
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s:%w", f.journal, err)
		}
		names := scenarios.BuiltinNames()
		for _, e := range es {
			if e.Scenario != "" && !slices.Contains(names, e.Scenario) {
				names = append(names, e.Scenario)
			}
		}
		return es, names, f.journal, nil
	}
	c, err := newAdminClient(f.target, f.token)
	if err != nil {
		return nil, nil, "", err
	}
	names, err := c.scenarioNames(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	raw, err := c.journal(ctx, nil)
	if err != nil {
		return nil, nil, "", err
	}
	if f.saveJournal != "" {
		err := report.WriteFile(f.saveJournal, func(w io.Writer) error {
			var line bytes.Buffer
			for _, r := range raw {
				line.Reset()
				if err := json.Compact(&line, r); err != nil {
					return err
				}
				line.WriteByte('\n')
				if _, err := w.Write(line.Bytes()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, "", fmt.Errorf("--save-journal: %w", err)
		}
	}
	es := make([]coverage.Entry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &es[i]); err != nil {
			return nil, nil, "", fmt.Errorf("journal entry %d: %w", i+1, err)
		}
	}
	return es, names, f.target, nil
}

// flagGiven reports whether the command line set the flag name (not its
// environment variable).
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// parseMin reads --min: PERCENT (overall) or DIMENSION=PERCENT, where a
// dimension's spaces may be written as dashes (action-statuses).
func parseMin(v string) (coverage.Dimension, float64, error) {
	name, num, ok := strings.Cut(v, "=")
	if !ok {
		name, num = "", v
	}
	var d coverage.Dimension
	if name != "" {
		var names []string
		for _, dim := range coverage.Dimensions() {
			dash := strings.ReplaceAll(string(dim), " ", "-")
			names = append(names, dash)
			if name == dash || name == string(dim) {
				d = dim
			}
		}
		if d == "" {
			return "", 0, fmt.Errorf("%q: no dimension %q; want one of %s", v, name, strings.Join(names, ", "))
		}
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil || p < 0 || p > 100 {
		return "", 0, fmt.Errorf("%q: want a percentage from 0 to 100, such as 80 or statuses=50", v)
	}
	return d, p, nil
}
