package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The PHLO and node the in-process fake declares, and conform uses by default
// when it has no --target.
const (
	conformPhloID = "phlomock-conform-phlo"
	conformNodeID = "phlomock-conform-node"
)

type conformFlags struct {
	target, authID, authToken string
	phloID, nodeID, member    string
	live                      bool
	out                       reportFlags
	concurrency               int
	scenarios                 stringList
	waive                     stringList
	seed                      string
	maxExamples               int
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

const conformUsage = `usage: phlomock conform [--target URL --auth-id ID --auth-token TOKEN] [--phlo-id P --node-id N] [--scenario NAME|FILE] [--live] [--seed N] [--max-examples N] [--report text|json] [--junit FILE] [--html FILE]

Runs the conformance suite. Without --target it judges an in-process fake (every case, live
ones included), then each scenario's interactions (--scenario; default: every built-in)
against the fake serving that scenario alone. Against a target only the cases that cannot
place a call run, unless --live; --scenario runs its interactions instead of the generated cases.

Examples:
  phlomock conform
  phlomock conform --scenario my-errors.yaml --junit conform.xml
  phlomock conform --target http://127.0.0.1:8080 --auth-id MAPHLOMOCKDEFAULT001 --auth-token phlomock-default-auth-token
  phlomock conform --target https://phlorunner.plivo.com --auth-id "$PLIVO_AUTH_ID" --auth-token "$PLIVO_AUTH_TOKEN" --phlo-id P --node-id N

Exit status: 0 conforms, 1 violations found, 2 the run failed (bad flags, unreachable target).
`

func runConform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("conform", stderr, conformUsage)
	var f conformFlags
	fs.StringVar(&f.target, "target", envDefault("TARGET", ""), "base URL of the API to judge, e.g. https://phlorunner.plivo.com (default: an in-process fake) (env PHLOMOCK_TARGET)")
	fs.StringVar(&f.authID, "auth-id", envDefault("AUTH_ID", ""), "Auth ID (default with the in-process fake: "+mockserver.DefaultAuthID+") (env PHLOMOCK_AUTH_ID)")
	fs.StringVar(&f.authToken, "auth-token", envDefault("AUTH_TOKEN", ""), "Auth Token (env PHLOMOCK_AUTH_TOKEN)")
	fs.StringVar(&f.phloID, "phlo-id", envDefault("PHLO_ID", ""), "an existing PHLO; without it and --node-id, cases that need real ids are skipped (env PHLOMOCK_PHLO_ID)")
	fs.StringVar(&f.nodeID, "node-id", envDefault("NODE_ID", ""), "an existing multi-party call node of that PHLO (env PHLOMOCK_NODE_ID)")
	fs.StringVar(&f.member, "member", contract.DefaultMemberAddress, "member address of the member actions")
	fs.BoolVar(&f.live, "live", false, "also run the actions that place calls (dial real phones on a real deployment)")
	f.out.register(fs, ": each failure with what was sent and received and a curl command that replays it")
	fs.IntVar(&f.concurrency, "concurrency", 8, "requests in flight")
	fs.Var(&f.scenarios, "scenario", "run this scenario's interactions: a built-in name or a YAML file (repeatable). Without --target: after the generated cases, against the in-process fake serving it alone (default: every built-in); with --target: instead of the generated cases")
	fs.StringVar(&f.seed, "seed", envDefault("SEED", ""), "seed of the generated cases (default: a fresh one); every report prints it, and the same seed draws the same cases (env PHLOMOCK_SEED)")
	fs.IntVar(&f.maxExamples, "max-examples", contract.DefaultMaxExamples, "bound on the random part of the generated cases (0: none); the coverage part, every constraint of the contract, always runs")
	fs.Var(&f.waive, "waive", "a violation code that does not fail a case (repeatable), e.g. error-field-unnamed; waived violations stay in the report (docs/conformance.md)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		hint := ""
		if strings.HasPrefix(fs.Arg(0), "http://") || strings.HasPrefix(fs.Arg(0), "https://") {
			hint = "to judge a deployment, use --target " + fs.Arg(0)
		} else if fake.IsScenarioFile(fs.Arg(0)) {
			hint = "to run a scenario's interactions, use --scenario " + fs.Arg(0)
		}
		return usageError(argError(fs, fs.Arg(0), hint))
	}
	if err := f.out.check("conform"); err != nil {
		return err
	}
	if f.concurrency < 1 {
		return usageError("conform: --concurrency must be at least 1")
	}
	if f.maxExamples < 0 {
		return usageError(fmt.Sprintf("conform: --max-examples %d: want 0 or more", f.maxExamples))
	}
	gen := contract.GenerateOptions{Seed: uint64(time.Now().UnixNano()) % 1_000_000_000, MaxExamples: f.maxExamples}
	if f.maxExamples == 0 {
		gen.MaxExamples = -1
	}
	if f.seed != "" {
		n, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usageError(fmt.Sprintf("conform: --seed %q: want a whole number (the seed a report printed)", f.seed))
		}
		gen.Seed = n
	}
	var waive []contract.Code
	for _, w := range f.waive {
		if !slices.Contains(contract.Codes(), contract.Code(w)) {
			return usageError(fmt.Sprintf("conform: --waive %q: not a violation code; want one of %s", w, joinCodes(contract.Codes())))
		}
		waive = append(waive, contract.Code(w))
	}
	spec, err := openapi.Load()
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	var ss []*scenarios.Scenario
	if len(f.scenarios) > 0 {
		ss, err = readScenarios(spec, f.scenarios)
	} else if f.target == "" {
		// Every built-in must behave as its file says: run them all.
		ss, err = readScenarios(spec, scenarios.BuiltinNames())
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}

	target := contract.Target{BaseURL: f.target, AuthID: f.authID, AuthToken: f.authToken, PhloID: f.phloID, NodeID: f.nodeID, MemberAddress: f.member}
	var rep *contract.Report
	if f.target == "" {
		rep, err = conformInProcess(ctx, spec, target, gen, f.concurrency, waive, ss)
	} else {
		rep, err = conformTarget(ctx, spec, target, gen, f, waive, ss, stderr)
	}
	if err != nil {
		return err
	}
	opts := contract.HTMLOptions{Subject: f.target}
	if f.target == "" {
		// The in-process fake is gone: replay against `phlomock serve`.
		opts.Subject = "the in-process fake"
		opts.ReplayBase, opts.Serve = "http://127.0.0.1:8080", "phlomock serve --strict-ids --ids "+conformPhloID+"/"+conformNodeID
	}
	err = report.Write(stdout, f.out.outputs(reportWriters{
		text:  func(w io.Writer) error { return contract.WriteText(w, rep) },
		json:  func(w io.Writer) error { return contract.WriteJSON(w, rep) },
		junit: func(w io.Writer) error { return contract.WriteJUnit(w, rep) },
		html:  func(w io.Writer) error { return contract.WriteHTML(w, rep, opts) },
	})...)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	if _, _, failed, _ := rep.Counts(); failed > 0 {
		return silentExit(1)
	}
	return nil
}

// conformTarget runs the cases against --target: the scenarios'
// interactions when --scenario is given (a scenario bends the contract on
// purpose, so they replace the generated cases; the target must serve
// them), else the cases generated from the spec.
func conformTarget(ctx context.Context, spec *openapi3.T, target contract.Target, gen contract.GenerateOptions, f conformFlags, waive []contract.Code, ss []*scenarios.Scenario, stderr io.Writer) (*contract.Report, error) {
	if target.AuthID == "" || target.AuthToken == "" {
		return nil, usageError("conform: --target needs --auth-id and --auth-token (or PHLOMOCK_AUTH_ID and PHLOMOCK_AUTH_TOKEN)")
	}
	var cases []contract.Case
	var err error
	if len(ss) == 0 {
		cases, err = contract.Generate(spec, gen)
	}
	for _, sc := range ss {
		var cs []contract.Case
		if cs, err = contract.FromScenario(spec, sc); err != nil {
			break
		}
		cases = append(cases, cs...)
	}
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	if f.live {
		n := 0
		for _, c := range cases {
			if !c.Safe {
				n++
			}
		}
		fmt.Fprintf(stderr, "phlomock conform: WARNING: --live sends %d requests to %s that may place real calls and bill account %s\n", n, f.target, target.AuthID)
	}
	runner := &contract.Runner{Spec: spec, Target: target, Live: f.live, Concurrency: f.concurrency, Waive: waive, Seed: gen.Seed}
	rep, err := runner.Run(ctx, cases)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	return rep, nil
}

// conformInProcess judges an in-process fake: first the cases generated
// from the spec, with no scenario active (the contract's own answers), then
// each scenario's interactions, in order, with that scenario alone active
// on a freshly reset fake (rule counters, simulated calls and journal), as
// its file describes them. Nothing can dial a phone here: every case runs.
func conformInProcess(ctx context.Context, spec *openapi3.T, target contract.Target, gen contract.GenerateOptions, concurrency int, waive []contract.Code, ss []*scenarios.Scenario) (*contract.Report, error) {
	if target.AuthID == "" && target.AuthToken == "" {
		target.AuthID, target.AuthToken = mockserver.DefaultAuthID, mockserver.DefaultAuthToken
	}
	if target.PhloID == "" && target.NodeID == "" {
		target.PhloID, target.NodeID = conformPhloID, conformNodeID
	}
	type batch struct {
		sc    *scenarios.Scenario // nil: the generated cases
		cases []contract.Case
	}
	generated, err := contract.Generate(spec, gen)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	batches := []batch{{cases: generated}}
	for _, sc := range ss {
		cs, err := contract.FromScenario(spec, sc)
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
		}
		batches = append(batches, batch{sc, cs})
	}

	// Ids strict, so that the unknown-id cases can be refused: the
	// target's PHLO and node exist, and so do those the active scenario
	// declares.
	f, err := fake.New(spec, fake.Config{
		Options:  mockserver.Options{StrictIDs: true},
		Accounts: mockserver.StaticAccounts{target.AuthID: target.AuthToken},
		World:    mockserver.StaticWorld{target.PhloID: {target.NodeID}},
	})
	if err == nil {
		if err = f.Start(ctx, "127.0.0.1:0"); err != nil {
			_ = f.Close(ctx)
		}
	}
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("conform: in-process fake: %w", err)}
	}
	// At once, not waiting: the run is over, and waiting would wait for
	// connections the client dialled but never used.
	defer func() { now, cancel := context.WithCancel(ctx); cancel(); _ = f.Close(now) }()
	target.BaseURL = f.URL
	runner := &contract.Runner{Spec: spec, Target: target, Live: true, Concurrency: concurrency, Waive: waive, Seed: gen.Seed}
	start := time.Now()
	// The in-process fake is gone when the report is read: replay against `phlomock serve`.
	rep := &contract.Report{Seed: gen.Seed, ReplayBase: "http://127.0.0.1:8080"}
	for _, b := range batches {
		var active []*scenarios.Scenario
		if b.sc != nil {
			active = append(active, b.sc)
		}
		if err := f.Director.Activate(active...); err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
		}
		if err := f.Director.Rewind(ctx); err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
		}
		f.Journal().Reset()
		part, err := runner.Run(ctx, b.cases)
		if err != nil {
			return nil, &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
		}
		rep.Results = append(rep.Results, part.Results...)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func joinCodes(codes []contract.Code) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// readScenarios reads each scenario (a built-in name or a YAML file) and
// validates it against the spec's operations. A scenario without a name is
// named after its file, as the fake names it.
func readScenarios(spec *openapi3.T, names []string) ([]*scenarios.Scenario, error) {
	known := director.OperationIDs(spec)
	var ss []*scenarios.Scenario
	for _, name := range names {
		var sc *scenarios.Scenario
		var err error
		if fake.IsScenarioFile(name) {
			var data []byte
			if data, err = os.ReadFile(name); err == nil {
				sc, err = scenarios.CheckFile(name, data, known, director.Operations(spec)) // every problem, as scenarios check finds them
			}
		} else {
			sc, err = scenarios.Builtin(name)
		}
		if err == nil {
			err = sc.Validate(known)
		}
		if err != nil {
			return nil, fmt.Errorf("--scenario %s: %w", name, err)
		}
		if sc.Name == "" {
			sc.Name = strings.TrimSuffix(filepath.Base(sc.File), filepath.Ext(sc.File))
		}
		ss = append(ss, sc)
	}
	return ss, nil
}
