package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A pair is an in-process target: a benchmark against the one it is
// compared with in the same run of the same test binary (base), or, with no
// base, against an absolute limit of ns/op.
type pair struct {
	target string
	pkg    string // relative to the repository root
	bench  string // full benchmark name, sub-benchmarks included
	base   string
	limit  float64 // the most bench/base (a ratio), or ns/op without a base
}

// pairs are the in-process and scale targets (issues 7 and 16). Each scale
// benchmark lives in the package that owns the structure and compares the
// large case with the small one: a ratio near 1 says the cost per request
// does not grow with the structure.
var pairs = []pair{
	{"in-process request path, b.RunParallel at GOMAXPROCS 2, <= 1.25x the bare handler's ns/op", "./mockserver",
		"BenchmarkColdTransferParallel", "BenchmarkColdTransferParallelBaseline", 1.25},
	{"in-process request path, one goroutine, <= 2x the bare handler's ns/op (issue 7)", "./mockserver",
		"BenchmarkColdTransfer", "BenchmarkColdTransferBaseline", 2},
	{"a full 100,000-entry journal <= 1.2x the ns/op of the default empty one", "./mockserver",
		"BenchmarkScaleJournal/full-100000", "BenchmarkScaleJournal/small", 1.2},
	{"a 500-operation --spec <= 1.2x the ns/op of the seed contract", "./mockserver",
		"BenchmarkScaleSpec/ops-500", "BenchmarkScaleSpec/small", 1.2},
	{"10,000 live simulated calls <= 1.2x the ns/op of none", "./mockserver/director",
		"BenchmarkScaleCalls/live-10000", "BenchmarkScaleCalls/small", 1.2},
	{"500 rules in layered scenarios, the request matching the last, <= 1.2x the ns/op of a small scenario", "./mockserver/director",
		"BenchmarkScaleRules/rules-500-last", "BenchmarkScaleRules/small-last", 1.2},
	{"500 rules in layered scenarios, the request matching none, <= 1.2x the ns/op of a small scenario", "./mockserver/director",
		"BenchmarkScaleRules/rules-500-none", "BenchmarkScaleRules/small-none", 1.2},
	{"the default session: sessions in front of the director, none live, <= 1.1x the ns/op of the director alone (issue 28)", "./mockserver/director",
		"BenchmarkSessionsDefault/with", "BenchmarkSessionsDefault/without", 1.1},
	{"the default session with 10,000 live sessions <= 1.2x the ns/op with none", "./mockserver/director",
		"BenchmarkScaleSessions/default-sessions-10000", "BenchmarkScaleSessions/small", 1.2},
	{"a request in one of 10,000 live sessions <= 1.2x the ns/op of the default session with none", "./mockserver/director",
		"BenchmarkScaleSessions/session-10000", "BenchmarkScaleSessions/small", 1.2},
	{"the stateless seed with --store redis (loopback) >= 80% of the memory store's throughput: <= 1.25x its ns/op (issue 15)", "./cmd/phlomock",
		"BenchmarkServeStore/seed/redis", "BenchmarkServeStore/seed/memory", 1.25},
	{"verify over a full 100,000-entry journal <= 50 ms", "./mockserver/director",
		"BenchmarkVerifyFullJournal", "", float64(50 * time.Millisecond)},
}

// A pairResult is a pair's figures, one per interleaved run.
type pairResult struct {
	pair
	ns, baseNs, ratios []float64
	missing            string // why it was not measured
}

func (p pairResult) measured() string {
	if p.base == "" {
		return ms(time.Duration(median(p.ns)))
	}
	return fmt.Sprintf("%.2fx", median(p.ratios))
}

func (p pairResult) met() bool {
	if p.base == "" {
		return median(p.ns) <= p.limit
	}
	return median(p.ratios) <= p.limit
}

// benchLine matches a result line of go test -bench: the name, the -cpu
// suffix (-2: the runs are at -cpu 2), the iterations and the ns/op.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-2)?\s+\d+\s+([0-9.]+) ns/op`)

// measureInProcess compiles each package's test binary once and runs it
// rounds times at -cpu 2, every package's benchmarks in each round, so that
// a pair's two halves run back to back and the ratio is taken within a run.
func measureInProcess(ctx context.Context, dir string, rounds int, benchtime string, progress func(string, ...any)) ([]pairResult, error) {
	results := make([]pairResult, len(pairs))
	var pkgs []string
	names := map[string][]string{} // package -> top-level benchmarks
	for i, p := range pairs {
		results[i].pair = p
		if _, ok := names[p.pkg]; !ok {
			pkgs = append(pkgs, p.pkg)
		}
		for _, b := range []string{p.bench, p.base} {
			if b == "" {
				continue
			}
			top, _, _ := strings.Cut(b, "/")
			if !slices.Contains(names[p.pkg], top) {
				names[p.pkg] = append(names[p.pkg], top)
			}
		}
	}
	bins := map[string]string{}
	failed := map[string]string{}
	for _, pkg := range pkgs {
		progress("in process: go test -c %s", pkg)
		bin := filepath.Join(dir, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".test")
		cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go test -c %s: %v: %s", pkg, err, out)
		}
		bins[pkg] = bin
	}
	for round := range rounds {
		for _, pkg := range pkgs {
			if failed[pkg] != "" {
				continue
			}
			progress("in process %d/%d: %s", round+1, rounds, pkg)
			ns, err := runBench(ctx, bins[pkg], pkg, names[pkg], benchtime)
			if err != nil {
				failed[pkg] = err.Error()
				continue
			}
			for i := range results {
				r := &results[i]
				if r.pkg != pkg {
					continue
				}
				a, okA := ns[r.bench]
				b, okB := ns[r.base]
				switch {
				case !okA:
					r.missing = fmt.Sprintf("no %s in %s", r.bench, pkg)
				case r.base != "" && !okB:
					r.missing = fmt.Sprintf("no %s in %s", r.base, pkg)
				default:
					r.ns = append(r.ns, a)
					if r.base != "" {
						r.baseNs = append(r.baseNs, b)
						r.ratios = append(r.ratios, a/b)
					}
				}
			}
		}
	}
	for i := range results {
		if f := failed[results[i].pkg]; f != "" && len(results[i].ns) == 0 {
			results[i].missing = f
		}
	}
	return results, nil
}

// runBench runs the named top-level benchmarks of one test binary in its
// package's directory and returns ns/op by full benchmark name.
func runBench(ctx context.Context, bin, pkg string, names []string, benchtime string) (map[string]float64, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", "^("+strings.Join(quoted, "|")+")$",
		"-test.benchtime", benchtime, "-test.cpu", "2")
	cmd.Dir = pkg
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	ns := map[string]float64{}
	for line := range strings.Lines(stdout.String()) {
		if m := benchLine.FindStringSubmatch(line); m != nil {
			if v, perr := strconv.ParseFloat(m[2], 64); perr == nil {
				ns[m[1]] = v
			}
		}
	}
	if err != nil {
		tail := strings.TrimSpace(stdout.String() + stderr.String())
		if len(tail) > 300 {
			tail = tail[len(tail)-300:]
		}
		return ns, fmt.Errorf("benchmarks failed: %v: %s", err, strings.ReplaceAll(tail, "\n", " "))
	}
	return ns, nil
}
