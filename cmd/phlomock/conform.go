package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
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
	report, junit             string
	concurrency               int
	scenarios                 stringList
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runConform(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("conform", stderr)
	var f conformFlags
	fs.StringVar(&f.target, "target", envDefault("TARGET", ""), "base URL of the API to judge, e.g. https://phlorunner.plivo.com (default: an in-process fake) (env PHLOMOCK_TARGET)")
	fs.StringVar(&f.authID, "auth-id", envDefault("AUTH_ID", ""), "Auth ID (default with the in-process fake: "+mockserver.DefaultAuthID+") (env PHLOMOCK_AUTH_ID)")
	fs.StringVar(&f.authToken, "auth-token", envDefault("AUTH_TOKEN", ""), "Auth Token (env PHLOMOCK_AUTH_TOKEN)")
	fs.StringVar(&f.phloID, "phlo-id", envDefault("PHLO_ID", ""), "an existing PHLO; without it and --node-id, cases that need real ids are skipped (env PHLOMOCK_PHLO_ID)")
	fs.StringVar(&f.nodeID, "node-id", envDefault("NODE_ID", ""), "an existing multi-party call node of that PHLO (env PHLOMOCK_NODE_ID)")
	fs.StringVar(&f.member, "member", contract.DefaultMemberAddress, "member address of the member actions")
	fs.BoolVar(&f.live, "live", false, "also run the actions that place calls (dial real phones on a real deployment)")
	fs.StringVar(&f.report, "report", "text", "report format on stdout: text or json")
	fs.StringVar(&f.junit, "junit", "", "also write a JUnit XML report to this file")
	fs.IntVar(&f.concurrency, "concurrency", 8, "requests in flight")
	fs.Var(&f.scenarios, "scenario", "run this scenario's interactions instead of the generated cases: a built-in name or a YAML file (repeatable; needs --target)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: phlomock conform [--target URL --auth-id ID --auth-token TOKEN] [--phlo-id P --node-id N] [--scenario NAME|FILE] [--live] [--report text|json] [--junit FILE]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Runs the conformance suite. Without --target it judges an in-process fake (every case, live")
		fmt.Fprintln(stderr, "ones included). Against a target only the cases that cannot place a call run, unless --live.")
		fmt.Fprintln(stderr, "Exit status: 0 conforms, 1 violations found, 2 the run failed (bad flags, unreachable target).")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("conform: unexpected argument %q", fs.Arg(0)))
	}
	if f.report != "text" && f.report != "json" {
		return usageError(fmt.Sprintf("conform: --report %q: want text or json", f.report))
	}
	if f.concurrency < 1 {
		return usageError("conform: --concurrency must be at least 1")
	}
	if len(f.scenarios) > 0 && f.target == "" {
		// TODO(phlomock): serve the scenarios in-process once cmd/phlomock
		// has the glue from a scenarios.Engine to mockserver.Options (World,
		// Responder, stateful calls) that `serve --scenario` will use.
		return usageError("conform: --scenario needs --target: a fake serving those scenarios (phlomock serve)")
	}
	spec, err := openapi.Load()
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	var cases []contract.Case
	if len(f.scenarios) == 0 {
		cases, err = contract.Generate(spec, contract.GenerateOptions{})
	} else {
		cases, err = scenarioCases(spec, f.scenarios)
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}

	target := contract.Target{BaseURL: f.target, AuthID: f.authID, AuthToken: f.authToken, PhloID: f.phloID, NodeID: f.nodeID, MemberAddress: f.member}
	live := f.live
	if f.target == "" {
		// Nothing can dial a phone in-process: run everything.
		live = true
		if target.AuthID == "" && target.AuthToken == "" {
			target.AuthID, target.AuthToken = mockserver.DefaultAuthID, mockserver.DefaultAuthToken
		}
		if target.PhloID == "" && target.NodeID == "" {
			target.PhloID, target.NodeID = conformPhloID, conformNodeID
		}
		url, stop, err := startConformFake(spec, target)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("conform: in-process fake: %w", err)}
		}
		defer stop()
		target.BaseURL = url
	} else {
		if target.AuthID == "" || target.AuthToken == "" {
			return usageError("conform: --target needs --auth-id and --auth-token (or PHLOMOCK_AUTH_ID and PHLOMOCK_AUTH_TOKEN)")
		}
		if live {
			n := 0
			for _, c := range cases {
				if !c.Safe {
					n++
				}
			}
			fmt.Fprintf(stderr, "phlomock conform: WARNING: --live sends %d requests to %s that may place real calls and bill account %s\n", n, f.target, target.AuthID)
		}
	}

	runner := &contract.Runner{Spec: spec, Target: target, Live: live, Concurrency: f.concurrency}
	rep, err := runner.Run(ctx, cases)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: %w", err)}
	}
	if f.junit != "" {
		if err := writeFileWith(f.junit, func(w io.Writer) error { return contract.WriteJUnit(w, rep) }); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("conform: --junit: %w", err)}
		}
	}
	if f.report == "json" {
		err = contract.WriteJSON(stdout, rep)
	} else {
		err = contract.WriteText(stdout, rep)
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("conform: write report: %w", err)}
	}
	if _, _, failed, _ := rep.Counts(); failed > 0 {
		return silentExit(1)
	}
	return nil
}

// scenarioCases loads each scenario (a built-in name or a YAML file) and
// converts its interactions. A scenario deliberately bends the contract's
// answers, so its interactions replace the generated cases.
func scenarioCases(spec *openapi3.T, names []string) ([]contract.Case, error) {
	known := scenarios.KnownOperations{}
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			known = append(known, op.OperationID)
		}
	}
	var cases []contract.Case
	for _, name := range names {
		var sc *scenarios.Scenario
		var err error
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.ContainsAny(name, `/\`) {
			var data []byte
			if data, err = os.ReadFile(name); err == nil {
				sc, err = scenarios.Parse(name, data)
			}
		} else {
			sc, err = scenarios.Builtin(name)
		}
		if err != nil {
			return nil, fmt.Errorf("--scenario %s: %w", name, err)
		}
		if err := sc.Validate(known); err != nil {
			return nil, fmt.Errorf("--scenario %s: %w", name, err)
		}
		cs, err := contract.FromScenario(spec, sc)
		if err != nil {
			return nil, fmt.Errorf("--scenario %s: %w", name, err)
		}
		cases = append(cases, cs...)
	}
	return cases, nil
}

// startConformFake serves the fake on a loopback port, with ids strict so
// that the unknown-id cases can be refused, and returns its base URL.
func startConformFake(spec *openapi3.T, target contract.Target) (string, func(), error) {
	srv, err := mockserver.New(spec, mockserver.Options{
		Accounts:  mockserver.StaticAccounts{target.AuthID: target.AuthToken},
		World:     conformWorld{phlo: target.PhloID, node: target.NodeID},
		StrictIDs: true,
	})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	// Close, not Shutdown: the run is over, and Shutdown would wait for
	// connections the client dialled but never used.
	stop := func() { _ = hs.Close() }
	return "http://" + ln.Addr().String(), stop, nil
}

// conformWorld declares the one PHLO and node the in-process fake knows.
type conformWorld struct{ phlo, node string }

func (w conformWorld) Phlo(id string) (mockserver.Phlo, bool) {
	if id != w.phlo {
		return mockserver.Phlo{}, false
	}
	return mockserver.Phlo{ID: id, Name: "phlomock conform", CreatedOn: "2020-08-01 09:05:11.846982+00:00"}, true
}

func (w conformWorld) Node(phloID, nodeID string) (mockserver.Node, bool) {
	if phloID != w.phlo || nodeID != w.node {
		return mockserver.Node{}, false
	}
	return mockserver.Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: "Multi-Party Call_1", CreatedOn: "2020-08-01 09:05:11.846982+00:00"}, true
}

// writeFileWith writes a file through write, leaving no partial file behind.
func writeFileWith(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".phlomock-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
