package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/proxy"
)

// proxyConfig is what the proxy's own flags set; the fake's come from
// serve's (serveConfig).
type proxyConfig struct {
	target         string
	insecureTarget bool
	timeout        time.Duration
	report         string
	record         string
	recordRedact   bool
	stateful       bool
}

const proxyUsage = `usage: phlomock proxy --target URL [--report FILE] [--record FILE] [serve's flags]

Forwards every request to --target unchanged (but for Host and the
hop-by-hop headers) and streams its answer back, then checks the exchange:
the request and the answer against the contract, and the answer against
the one the fake would have given (the drift). serve's flags configure that
fake (--action-status, --scenario, --strict-ids...). Every request is a real
one: a node action dials real phones; start with GETs (docs/proxy.md).
A plain-http --target that is not loopback is refused unless
--insecure-target. The control plane adds GET /__admin/drift and
POST /__admin/record. On SIGINT or SIGTERM it prints the drift report and
writes --report and --record.

Examples:
  phlomock proxy --target https://phlorunner.plivo.com --addr 127.0.0.1:9090 --admin-addr 127.0.0.1:9091
  phlomock proxy --target https://phlorunner.plivo.com --report drift.xml --action-status 200
  phlomock proxy --target https://phlorunner.plivo.com --record seen.yaml --record-redact

Exit status: 0 no drift and no violation; 1 drift, contract violations, a
bad scenario file, or exchanges the target did not answer (502/504); 2 bad
flags, arguments or environment, a refused --target, a port in use, or a
target that answered none of the exchanges.`

func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// serve's flags configure the fake the answers are compared with.
	sfs, c, envErr := serveFlags(stderr)
	fs := newFlagSet("proxy", stderr, proxyUsage+"\n")
	sfs.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	p := &proxyConfig{}
	var errs []error
	if envErr != nil {
		errs = append(errs, envErr)
	}
	fs.StringVar(&p.target, "target", envDefault("TARGET", ""), "base URL of the API to forward to, e.g. https://phlorunner.plivo.com (env PHLOMOCK_TARGET)")
	insecure, err := strconv.ParseBool(envDefault("INSECURE_TARGET", "false"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_INSECURE_TARGET: %q is not a boolean", envDefault("INSECURE_TARGET", "")))
	}
	fs.BoolVar(&p.insecureTarget, "insecure-target", insecure, "allow a plain-http --target that is not loopback: the credentials cross the network unencrypted (env PHLOMOCK_INSECURE_TARGET)")
	timeout, err := time.ParseDuration(envDefault("TARGET_TIMEOUT", proxy.DefaultTimeout.String()))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_TARGET_TIMEOUT: %w", err))
	}
	fs.DurationVar(&p.timeout, "target-timeout", timeout, "time the target has to answer a request, answer included; then 504 (env PHLOMOCK_TARGET_TIMEOUT)")
	fs.StringVar(&p.report, "report", envDefault("REPORT", ""), "write the drift report to this file on shutdown: .json for JSON, .xml for JUnit, else text (env PHLOMOCK_REPORT)")
	fs.StringVar(&p.record, "record", envDefault("RECORD", ""), "record the exchanges as a scenario file (YAML), written on shutdown and on POST /__admin/record (env PHLOMOCK_RECORD)")
	redact, err := strconv.ParseBool(envDefault("RECORD_REDACT", "false"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_RECORD_REDACT: %q is not a boolean", envDefault("RECORD_REDACT", "")))
	}
	fs.BoolVar(&p.recordRedact, "record-redact", redact, "in the --record file, replace ids, phone numbers and SIP addresses by stable placeholders (env PHLOMOCK_RECORD_REDACT)")
	stateful, err := strconv.ParseBool(envDefault("DRIFT_STATEFUL", "false"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_DRIFT_STATEFUL: %q is not a boolean", envDefault("DRIFT_STATEFUL", "")))
	}
	fs.BoolVar(&p.stateful, "drift-stateful", stateful, "the fake's state moves with the traffic: a stateful scenario's calls follow the application's actions, rules' times and sequences count its requests; default: the fake is asked without effect (env PHLOMOCK_DRIFT_STATEFUL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(argError(fs, fs.Arg(0), ""))
	}
	if err := c.check(); err != nil {
		errs = append(errs, err)
	}
	if c.store != "memory" {
		errs = append(errs, errors.New("proxy: --store is serve's: the proxy's fake answers in-process, from memory"))
	}
	if c.watch {
		errs = append(errs, errors.New("proxy: --watch is serve's: restart the proxy to change its scenarios, or use the control plane (PUT /__admin/scenarios/active)"))
	}
	if err := errors.Join(errs...); err != nil {
		return &exitError{code: 2, err: err}
	}
	if p.target == "" {
		return usageError("proxy: --target is required (the API to forward to, e.g. https://phlorunner.plivo.com)")
	}
	target, err := url.Parse(p.target)
	if err != nil {
		return usageError(fmt.Sprintf("proxy: --target: %v", err))
	}
	if p.timeout <= 0 {
		return usageError(fmt.Sprintf("proxy: --target-timeout %s: want a positive duration", p.timeout))
	}
	logger, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	doc, err := c.loadSpec()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cfg, err := c.fakeConfig(logger)
	if err != nil {
		return &exitError{code: 2, err: err} // checked by c.check
	}
	// The fake answers only in-process (Simulate): the proxy is served in
	// its place (Front), with the fake's control plane, whose journal
	// holds the proxied exchanges, and the proxy's routes.
	// A spec of another API, as serve's (spec.go): no PHLO scenario by
	// default, its examples answered, its schemes given --auth-token.
	if !isPHLOSpec(doc) {
		c.noDefaultScenario = true
		if err := builtinsForSpec(c.scenarios.values, doc, c.spec); err != nil {
			return &exitError{code: 1, err: fmt.Errorf("--scenario: %w", err)}
		}
		cfg.AnswerExamples, cfg.APIToken = true, c.authToken
	}
	cfg.Scenarios = c.scenarioArgs()
	f, err := fake.New(doc, cfg)
	if err != nil {
		return scenarioExit(err)
	}
	px, err := proxy.New(proxy.Options{
		Target: target, InsecureTarget: p.insecureTarget, Fake: f.API,
		FakeAuthID: c.authID, FakeAuthToken: c.authToken, Spec: doc,
		ActionStatus: c.actionStatus, StrictIDs: c.strictIDs,
		Timeout: p.timeout, MaxBodyBytes: int64(c.maxBody), Record: p.record != "", Stateful: p.stateful, Logger: logger,
	})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	recOpts := proxy.RecordOptions{Name: strings.TrimSuffix(filepath.Base(p.record), filepath.Ext(p.record)), Redact: p.recordRedact, Known: director.OperationIDs(doc)}
	var flush func([]byte) error
	if p.record != "" {
		flush = func(data []byte) error { return writeRecording(p.record, data) }
	}
	if err := f.Front(px, px.AdminRoutes(recOpts, flush)...); err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := f.Start(ctx, c.addr); err != nil {
		_ = f.Close(context.Background())
		return &exitError{code: 2, err: listenFlag(err)}
	}
	adminURL := f.AdminURL
	if adminURL == "" || c.adminAddr == "" {
		adminURL = "off"
	}
	fmt.Fprintf(stdout, "phlomock proxying the PHLO runner API on %s to %s (control plane %s)\n", f.URL, target.Redacted(), adminURL)
	logger.Info("proxying", slog.String("url", f.URL), slog.String("target", target.Redacted()), slog.String("admin", adminURL),
		slog.String("scenarios", strings.Join(f.Director.Active(), ",")), slog.Bool("recording", p.record != ""))

	var serveErr error
	if err := f.Wait(); err != nil {
		serveErr = fmt.Errorf("proxy: %w", err)
	}
	px.Wait()
	return finishProxy(px, p, recOpts, serveErr, stdout)
}

// finishProxy prints the report, writes --report and --record, and turns
// the report into the exit code.
func finishProxy(px *proxy.Proxy, p *proxyConfig, recOpts proxy.RecordOptions, serveErr error, stdout io.Writer) error {
	rep := px.Report()
	// --report's format follows its extension: .json, .xml (JUnit), else text.
	write := proxy.WriteText
	switch strings.ToLower(filepath.Ext(p.report)) {
	case ".json":
		write = proxy.WriteJSON
	case ".xml":
		write = proxy.WriteJUnit
	}
	errs := []error{serveErr, report.Write(stdout,
		report.Output{Name: "drift report", Path: report.Stdout, Write: func(w io.Writer) error { return proxy.WriteText(w, rep) }},
		report.Output{Name: "--report", Path: p.report, Write: func(w io.Writer) error { return write(w, rep) }},
	)}
	if p.record != "" {
		// Written even when it does not validate (temp file + rename):
		// nothing recorded is lost; the error says what to fix.
		data, err := px.Recorded(recOpts)
		if data != nil {
			if werr := writeRecording(p.record, data); werr != nil {
				errs = append(errs, fmt.Errorf("--record: %w", werr))
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("--record %s: %w", p.record, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return &exitError{code: 2, err: err}
	}
	if code := rep.ExitCode(); code != 0 {
		return silentExit(code)
	}
	return nil
}

// writeRecording replaces path with data, or leaves it untouched on failure.
func writeRecording(path string, data []byte) error {
	return report.WriteFile(path, report.Bytes(data))
}
