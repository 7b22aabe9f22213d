package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// config is the run's settings; every flag has a BENCH_ environment default
// so that `make bench` can be tuned without editing the Makefile.
type config struct {
	phlomock     string
	phlomockArgs string
	spec         string
	duration     time.Duration
	warmup       time.Duration
	// levels are the concurrencies loaded, each its own interleaved rounds.
	levels    []level
	inProcess bool
	benchtime string
	rounds    int
	starts    int
	requests  int64
	tool      string
	prism     string
	wiremock  string
	redis     string
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./bench/run [flags]   (or: make bench)")
		fmt.Fprintln(stderr, "\nLoads phlomock and the bare handler (bench/baseline) on loopback in one run and prints a markdown report.")
		fmt.Fprintln(stderr, "Each flag defaults to the environment variable named in its help.")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.phlomock, "phlomock", env("BENCH_PHLOMOCK", "bin/phlomock"), "phlomock `binary` to measure, built by make build (BENCH_PHLOMOCK)")
	fs.StringVar(&c.phlomockArgs, "phlomock-args", env("BENCH_PHLOMOCK_ARGS", defaultPhlomockArgs),
		"phlomock arguments; {addr} and {admin} are replaced by free loopback addresses (BENCH_PHLOMOCK_ARGS)")
	fs.StringVar(&c.spec, "spec", env("BENCH_SPEC", "openapi/phlorunner.yaml"), "contract `file` Prism serves (BENCH_SPEC)")
	durS := fs.String("duration", env("BENCH_DURATION", "5s"), "length of one load run, whole seconds (BENCH_DURATION)")
	warmS := fs.String("warmup", env("BENCH_WARMUP", "3s"), "untimed load on each server before each concurrency's rounds, 0 for none (BENCH_WARMUP)")
	threadsS := fs.String("threads", env("BENCH_THREADS", "1,2"), "wrk threads, one per -connections entry or one for all (BENCH_THREADS)")
	connsS := fs.String("connections", env("BENCH_CONNECTIONS", "2,64"), "concurrent keep-alive connections, comma-separated: one set of rounds each (BENCH_CONNECTIONS)")
	inS := fs.String("inprocess", env("BENCH_INPROCESS", "1"), "1: also run the in-process and scale benchmarks (go test -bench), 0: skip them (BENCH_INPROCESS)")
	fs.StringVar(&c.benchtime, "benchtime", env("BENCH_BENCHTIME", "0.3s"), "go test -benchtime of one in-process benchmark run (BENCH_BENCHTIME)")
	fs.IntVar(&c.rounds, "rounds", envInt("BENCH_ROUNDS", 3), "interleaved load rounds per server (BENCH_ROUNDS)")
	fs.IntVar(&c.starts, "starts", envInt("BENCH_STARTS", 10), "start-up measurements per Go server; Prism gets a third (BENCH_STARTS)")
	reqS := fs.String("requests", env("BENCH_REQUESTS", "0"), "long mode: keep loading phlomock and the baseline until each served this many requests, then read RSS (BENCH_REQUESTS, e.g. 1000000)")
	fs.StringVar(&c.tool, "tool", env("BENCH_TOOL", "auto"), "load generator: wrk, go, or auto (wrk when installed) (BENCH_TOOL)")
	fs.StringVar(&c.redis, "redis", env("BENCH_REDIS", "auto"), "phlomock with --store redis:// too, on a redis-server started for the run: auto (when redis-server is installed), off, or the redis-server binary (BENCH_REDIS)")
	fs.StringVar(&c.prism, "prism", prismMode(os.Getenv("PRISM")), "Prism: auto (when installed), off, or install (npm) (PRISM=0|1)")
	fs.StringVar(&c.wiremock, "wiremock", prismMode(os.Getenv("WIREMOCK")), "WireMock, run with java: auto (when installed), off, or install (npm) (WIREMOCK=0|1)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.duration, err = time.ParseDuration(*durS); err != nil || c.duration < time.Second {
		return c, fmt.Errorf("-duration %q: want a duration of at least 1s", *durS)
	}
	if c.warmup, err = time.ParseDuration(*warmS); err != nil || c.warmup < 0 {
		return c, fmt.Errorf("-warmup %q: want a duration", *warmS)
	}
	if c.requests, err = strconv.ParseInt(strings.ReplaceAll(*reqS, "_", ""), 10, 64); err != nil || c.requests < 0 {
		return c, fmt.Errorf("-requests %q: want a number of requests", *reqS)
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"rounds", c.rounds}, {"starts", c.starts}} {
		if n.v < 1 {
			return c, fmt.Errorf("-%s %d: want at least 1", n.name, n.v)
		}
	}
	if c.levels, err = parseLevels(*connsS, *threadsS); err != nil {
		return c, err
	}
	switch *inS {
	case "1", "true", "on":
		c.inProcess = true
	case "0", "false", "off":
	default:
		return c, fmt.Errorf("-inprocess %q: want 1 or 0", *inS)
	}
	if d, err := time.ParseDuration(c.benchtime); err != nil || d <= 0 {
		if !strings.HasSuffix(c.benchtime, "x") {
			return c, fmt.Errorf("-benchtime %q: want a duration (0.3s) or a count (1000x)", c.benchtime)
		}
	}
	switch c.tool {
	case "auto", "wrk", "go":
	default:
		return c, fmt.Errorf("-tool %q: want wrk, go or auto", c.tool)
	}
	return c, nil
}

// A level is one concurrency of the load: wrk -t threads -c conns (the Go
// generator opens conns connections and ignores threads).
type level struct {
	threads, conns int
}

// parseLevels pairs the -connections list with the -threads list (one
// entry for all, or one per connection count).
func parseLevels(connsS, threadsS string) ([]level, error) {
	ints := func(flag, s string) ([]int, error) {
		var out []int
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("-%s %q: want comma-separated counts of at least 1", flag, s)
			}
			out = append(out, n)
		}
		return out, nil
	}
	conns, err := ints("connections", connsS)
	if err != nil {
		return nil, err
	}
	threads, err := ints("threads", threadsS)
	if err != nil {
		return nil, err
	}
	if len(threads) != 1 && len(threads) != len(conns) {
		return nil, fmt.Errorf("-threads %q: want one count, or one per -connections entry (%d)", threadsS, len(conns))
	}
	levels := make([]level, len(conns))
	for i, c := range conns {
		t := threads[0]
		if len(threads) > 1 {
			t = threads[i]
		}
		if c < t {
			return nil, fmt.Errorf("-connections %d: want at least one per thread (-threads %d)", c, t)
		}
		levels[i] = level{threads: t, conns: c}
	}
	return levels, nil
}

func envInt(key string, def int) int {
	n, err := strconv.Atoi(env(key, strconv.Itoa(def)))
	if err != nil {
		return -1 // reported by the range check
	}
	return n
}

func prismMode(v string) string {
	switch v {
	case "":
		return "auto"
	case "0", "false", "off":
		return "off"
	case "1", "true", "install":
		return "install"
	}
	return v
}

// defaultPhlomockArgs runs the fake as users do, with validation, auth, the
// active scenario and the journal on, and only errors logged (the quietest level serve offers).
const defaultPhlomockArgs = "serve --addr {addr} --admin-addr {admin} --log-level error"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	dir, err := os.MkdirTemp("", "phlomock-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	phlomock, err := filepath.Abs(c.phlomock)
	if err != nil {
		return err
	}
	if _, err := os.Stat(phlomock); err != nil {
		return fmt.Errorf("phlomock binary: %w (run make build, or make bench)", err)
	}
	progress("building bench/baseline")
	baseline := filepath.Join(dir, "baseline")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", baseline, "./bench/baseline")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building bench/baseline (run from the repository root): %v: %s", err, out)
	}

	is201 := func(s int) bool { return s == 201 }
	targets := []target{
		{
			name:      "baseline",
			argv:      func(addr, _ string) []string { return []string{baseline, "-addr", addr} },
			ok:        is201,
			startRuns: c.starts,
		},
		{
			name: "phlomock",
			argv: func(addr, admin string) []string {
				r := strings.NewReplacer("{addr}", addr, "{admin}", admin)
				return append([]string{phlomock}, strings.Fields(r.Replace(c.phlomockArgs))...)
			},
			ok:        is201,
			startRuns: c.starts,
		},
	}
	r := report{cfg: c, args: args, phlomockVersion: output(phlomock, "version"), loadavg: loadavg()}

	redisURL, stopRedis, err := startRedis(ctx, c.redis, dir, progress)
	if err != nil {
		return err
	}
	defer stopRedis()
	if redisURL != "" {
		// The same serve, its state in Redis: the issue 15 pair.
		r.redisTarget = len(targets)
		targets = append(targets, target{
			name: "phlomock --store redis",
			argv: func(addr, admin string) []string {
				t := targets[1].argv(addr, admin)
				return append(t, "--store", redisURL, "--store-prefix", "bench:")
			},
			ok:        is201,
			startRuns: max(1, c.starts/3),
		})
	}

	prism, err := findPrism(c.prism, progress)
	if err != nil {
		return err
	}
	if prism != "" {
		spec, err := filepath.Abs(c.spec)
		if err != nil {
			return err
		}
		r.prismVersion = prismVersion(prism)
		targets = append(targets, target{
			name: "prism " + r.prismVersion,
			argv: func(addr, _ string) []string {
				host, port, _ := strings.Cut(addr, ":")
				return []string{prism, "mock", "-h", host, "-p", port, "-v", "warn", spec}
			},
			ok:        func(s int) bool { return s >= 200 && s < 300 },
			startRuns: max(1, c.starts/3),
			peer:      true,
		})
	}
	wm, err := findWireMock(c.wiremock, progress)
	if err != nil {
		return err
	}
	switch {
	case wm == nil:
	case wm.why != "":
		r.wiremockNote = "WireMock " + wm.version + " not measured: " + wm.why
		progress("%s", r.wiremockNote)
	default:
		conns := 0
		for _, l := range c.levels {
			conns = max(conns, l.conns)
		}
		t, err := wm.target(dir, conns, max(1, c.starts/3))
		if err != nil {
			return err
		}
		r.wiremockNote = fmt.Sprintf("WireMock %s: `java -jar %s %s` (%s), serving the seed's stub; warm-up at least %v at each concurrency",
			wm.version, filepath.Base(wm.jar), strings.Join(wiremockArgs(conns), " "), javaVersion(wm.java), wiremockWarmup)
		targets = append(targets, t)
	}

	newLoader := func(l level) loader { return &goLoader{conns: l.conns, ok: is201} }
	if c.tool != "go" {
		_, err := newWrk(dir, 1, 1)
		switch {
		case err == nil:
			newLoader = func(l level) loader { w, _ := newWrk(dir, l.threads, l.conns); return w }
		case c.tool == "wrk":
			return fmt.Errorf("%w (apt-get install -y wrk)", err)
		default:
			progress("wrk not found, using the Go load generator (apt-get install -y wrk to measure like the peers)")
		}
	}

	if err := measureStarts(ctx, c, targets, dir, &r, progress); err != nil {
		return err
	}
	if err := measureLoad(ctx, c, targets, dir, newLoader, &r, progress); err != nil {
		return err
	}
	if c.inProcess {
		var err error
		if r.inProcess, err = measureInProcess(ctx, dir, c.rounds, c.benchtime, progress); err != nil {
			return err
		}
	}
	r.write(stdout)
	return nil
}

// startTimeout bounds one start-up; Prism takes about a second.
const startTimeout = 30 * time.Second

// measureStarts execs each target startRuns times, alternating targets,
// and records the time from exec to the first answered seed request.
func measureStarts(ctx context.Context, c config, targets []target, dir string, r *report, progress func(string, ...any)) error {
	r.starts = make([]startStats, len(targets))
	n := 0
	for _, t := range targets {
		n = max(n, t.startRuns)
	}
	progress("start-up: exec to first answer, %d runs", n)
	for i := range n {
		for j, t := range targets {
			if i >= t.startRuns {
				continue
			}
			p, d, err := start(ctx, t, dir, startTimeout)
			if err != nil {
				return err
			}
			rss, err := p.rss()
			p.stop()
			if err != nil {
				return err
			}
			r.starts[j].name = t.name
			r.starts[j].times = append(r.starts[j].times, d)
			r.starts[j].rss = append(r.starts[j].rss, rss)
		}
	}
	return nil
}

// measureLoad starts every target once, then, at each concurrency, loads
// them in interleaved rounds (the order rotates each round so that neither
// server always runs first), reading RSS after start and after the load.
func measureLoad(ctx context.Context, c config, targets []target, dir string, newLoader func(level) loader, r *report, progress func(string, ...any)) error {
	procs := make([]*proc, 0, len(targets))
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	r.loads = make([]loadStats, len(targets))
	for i, t := range targets {
		p, _, err := start(ctx, t, dir, startTimeout)
		if err != nil {
			return err
		}
		procs = append(procs, p)
		r.loads[i].name = t.name
		if r.loads[i].rssStart, err = p.rss(); err != nil {
			return err
		}
	}
	var ld loader
	for _, lv := range c.levels {
		ld = newLoader(lv)
		lr := levelRun{level: lv, loader: ld.name(), rounds: make([][]loadResult, len(targets))}
		if c.warmup > 0 {
			for _, p := range procs {
				warm := c.warmup
				if p.t.warmup > warm {
					warm = p.t.warmup
				}
				progress("warm-up: %s at %d connections for %v", p.t.name, lv.conns, warm)
				res, err := ld.load(ctx, p.url(), warm)
				if err != nil {
					return fmt.Errorf("%s: %w", p.t.name, err)
				}
				p.served += res.Requests
			}
		}
		for round := range c.rounds {
			for k := range procs {
				i := (k + round) % len(procs)
				p := procs[i]
				progress("round %d/%d at %d connections: %s for %v", round+1, c.rounds, lv.conns, p.t.name, c.duration)
				res, err := ld.load(ctx, p.url(), c.duration)
				if err != nil {
					return fmt.Errorf("%s: %w", p.t.name, err)
				}
				p.served += res.Requests
				lr.rounds[i] = append(lr.rounds[i], res)
				lr.order = append(lr.order, roundEntry{round: round + 1, target: i, res: res})
			}
		}
		r.levels = append(r.levels, lr)
	}
	for i, p := range procs {
		var err error
		if r.loads[i].rssLoad, err = p.rss(); err != nil {
			return err
		}
		r.loads[i].servedLoad = p.served
	}
	if c.requests > 0 {
		for i, p := range procs {
			if p.t.peer {
				continue // a million requests take Prism minutes; the issue asks it of phlomock
			}
			for p.served < c.requests {
				progress("long run: %s has served %d of %d requests", p.t.name, p.served, c.requests)
				res, err := ld.load(ctx, p.url(), c.duration)
				if err != nil {
					return fmt.Errorf("%s: %w", p.t.name, err)
				}
				p.served += res.Requests
			}
			var err error
			if r.loads[i].rssLong, err = p.rss(); err != nil {
				return err
			}
			r.loads[i].servedLong = p.served
		}
	}
	return nil
}

// output runs bin with args for at most five seconds and returns its first
// line of output, or "".
func output(bin string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
