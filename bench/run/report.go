package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/phlomock/phlomock/bench/internal/benchkit"
)

type startStats struct {
	name  string
	times []time.Duration
	rss   []int64
}

type loadStats struct {
	name       string
	rssStart   int64
	rssLoad    int64
	servedLoad int64
	rssLong    int64
	servedLong int64
}

type roundEntry struct {
	round  int
	target int
	res    loadResult
}

// A levelRun is the interleaved rounds at one concurrency.
type levelRun struct {
	level  level
	loader string
	rounds [][]loadResult // per target, in round order
	order  []roundEntry
}

// A report is everything one run measured, printed as markdown.
type report struct {
	cfg             config
	args            []string
	phlomockVersion string
	prismVersion    string
	wiremockNote    string
	loadavg         string
	starts          []startStats
	loads           []loadStats
	levels          []levelRun
	inProcess       []pairResult
	// redisTarget is the index of phlomock with --store redis among the
	// targets, 0 when it was not run.
	redisTarget int
}

// The targets for phlomock.
const (
	targetRatio    = 0.90
	targetRedis    = 0.80 // issue 15: the seed with --store redis against memory
	targetP99      = 1.25
	targetStart    = 25 * time.Millisecond
	targetRSSStart = 15 << 20 // issue 31 (20 MiB in issue 7)
	targetRSSLong  = 32 << 20 // issue 31 (40 MiB in issue 7)
	longRequests   = 1_000_000
)

func (r *report) write(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Run\n\n")
	fmt.Fprintf(w, "- command: `%s`\n", r.command())
	fmt.Fprintf(w, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- host: %d CPUs (%s), Linux %s, %s\n", runtime.NumCPU(), cpuModel(), kernel(), runtime.Version())
	fmt.Fprintf(w, "- phlomock: `%s` `%s`\n", r.phlomockVersion, c.phlomockArgs)
	for _, lv := range r.levels {
		fmt.Fprintf(w, "- load at %d connections: %s\n", lv.level.conns, lv.loader)
	}
	fmt.Fprintf(w, "- %d interleaved rounds of %v per server and concurrency, after a %v warm-up at each; each request is the seed's cold transfer, POST %s with Basic auth, on loopback\n",
		c.rounds, c.duration, c.warmup, seedPath)
	fmt.Fprintf(w, "- an answer counts when it is 201 (phlomock, baseline, WireMock) or any 2xx (Prism answers the contract's first success response, 200); errors are failed connections, timeouts and statuses >= 400\n")
	if r.wiremockNote != "" {
		fmt.Fprintf(w, "- %s\n", r.wiremockNote)
	}
	fmt.Fprintf(w, "- load average before the run: %s (the figures are only as quiet as the machine)\n", r.loadavg)

	fmt.Fprintf(w, "\n### Throughput and latency (median of the rounds; ratios: median of the same-round ratios)\n\n")
	fmt.Fprintf(w, "| connections | server | req/s | vs baseline | p50 | p99 | p99 vs baseline | errors |\n")
	fmt.Fprintf(w, "|--:|---|--:|--:|--:|--:|--:|--:|\n")
	for _, lv := range r.levels {
		base := lv.rounds[0]
		for i, rs := range lv.rounds {
			var errs int64
			for _, res := range rs {
				errs += res.Errors
			}
			fmt.Fprintf(w, "| %d | %s | %.0f | %.1f%% | %s | %s | %.2fx | %d |\n",
				lv.level.conns, r.loads[i].name, median(rpsOf(rs)), 100*pairedRatio(rs, base),
				ms(medianDur(p50Of(rs))), ms(medianDur(p99Of(rs))), pairedP99(rs, base), errs)
		}
	}

	fmt.Fprintf(w, "\n### Rounds, in the order they ran\n\n")
	fmt.Fprintf(w, "| connections | round | server | requests | req/s | vs baseline, same round | p50 | p99 | p99 vs baseline, same round | errors |\n|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, lv := range r.levels {
		for _, e := range lv.order {
			b := lv.rounds[0][e.round-1]
			fmt.Fprintf(w, "| %d | %d | %s | %d | %.0f | %.1f%% | %s | %s | %.2fx | %d |\n",
				lv.level.conns, e.round, r.loads[e.target].name, e.res.Requests, e.res.rps(), 100*e.res.rps()/b.rps(),
				ms(e.res.P50), ms(e.res.P99), float64(e.res.P99)/float64(max(b.P99, 1)), e.res.Errors)
		}
	}

	fmt.Fprintf(w, "\n### Memory\n\n| server | RSS after start | RSS after load (requests served) |")
	if c.requests > 0 {
		fmt.Fprintf(w, " RSS after the long run (requests served) |\n|---|--:|--:|--:|\n")
	} else {
		fmt.Fprintf(w, "\n|---|--:|--:|\n")
	}
	for _, l := range r.loads {
		fmt.Fprintf(w, "| %s | %s | %s (%s) |", l.name, mib(l.rssStart), mib(l.rssLoad), count(l.servedLoad))
		if c.requests > 0 {
			if l.servedLong > 0 {
				fmt.Fprintf(w, " %s (%s) |", mib(l.rssLong), count(l.servedLong))
			} else {
				fmt.Fprintf(w, " |")
			}
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "\n### Start-up: exec to the first answered request\n\n")
	fmt.Fprintf(w, "| server | runs | median | vs baseline | min | max | RSS at first answer (median) |\n|---|--:|--:|--:|--:|--:|--:|\n")
	baseStart := medianDur(r.starts[0].times)
	for _, s := range r.starts {
		fmt.Fprintf(w, "| %s | %d | %s | %.2fx | %s | %s | %s |\n", s.name, len(s.times),
			ms(medianDur(s.times)), float64(medianDur(s.times))/float64(baseStart),
			ms(slices.Min(s.times)), ms(slices.Max(s.times)), mib(medianInt(s.rss)))
	}

	if len(r.inProcess) > 0 {
		fmt.Fprintf(w, "\n### In process (go test -bench -cpu 2, %d interleaved runs of -benchtime %s)\n\n", c.rounds, c.benchtime)
		fmt.Fprintf(w, "| package | benchmark | vs | ns/op (median) | vs ns/op (median) | ratio per run | ratio (median) |\n|---|---|---|--:|--:|--:|--:|\n")
		for _, p := range r.inProcess {
			if p.missing != "" {
				fmt.Fprintf(w, "| %s | %s | %s | | | not run: %s | |\n", p.pkg, p.bench, p.base, p.missing)
				continue
			}
			var per []string
			for _, x := range p.ratios {
				per = append(per, fmt.Sprintf("%.2fx", x))
			}
			baseNs := ""
			if p.base != "" {
				baseNs = fmt.Sprintf("%.0f", median(p.baseNs))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %s | %s |\n", p.pkg, p.bench, p.base, median(p.ns), baseNs, strings.Join(per, ", "), p.measured())
		}
	}

	// The targets, for phlomock (always the second target).
	p, ps := r.loads[1], r.starts[1]
	start := medianDur(ps.times)
	fmt.Fprintf(w, "\n### Targets (issues 7, 16 and 31)\n\n| target | measured | met |\n|---|--:|---|\n")
	for _, lv := range r.levels {
		rs, base := lv.rounds[1], lv.rounds[0]
		ratio, p99 := pairedRatio(rs, base), pairedP99(rs, base)
		fmt.Fprintf(w, "| throughput at %d connections >= 90%% of the baseline's (median of the same-round ratios; of the medians: %.1f%%) | %.1f%% | %s |\n",
			lv.level.conns, 100*median(rpsOf(rs))/median(rpsOf(base)), 100*ratio, yes(ratio >= targetRatio))
		fmt.Fprintf(w, "| p99 at %d connections <= 1.25x the baseline's (median of the same-round ratios; of the medians: %.2fx) | %.2fx | %s |\n",
			lv.level.conns, float64(medianDur(p99Of(rs)))/float64(max(medianDur(p99Of(base)), 1)), p99, yes(p99 <= targetP99))
	}
	if r.redisTarget > 0 {
		for _, lv := range r.levels {
			ratio := pairedRatio(lv.rounds[r.redisTarget], lv.rounds[1])
			fmt.Fprintf(w, "| the seed with --store redis at %d connections >= 80%% of the memory store's throughput (median of the same-round ratios, issue 15) | %.1f%% | %s |\n",
				lv.level.conns, 100*ratio, yes(ratio >= targetRedis))
		}
	} else {
		fmt.Fprintf(w, "| the seed with --store redis >= 80%% of the memory store's throughput (issue 15) | | not measured: no redis-server (BENCH_REDIS) |\n")
	}
	fmt.Fprintf(w, "| exec to first 201 <= 25 ms (median) | %s | %s |\n", ms(start), yes(start <= targetStart))
	startRSS := medianInt(ps.rss)
	fmt.Fprintf(w, "| RSS at the first 201 <= 15 MiB (median of the %d start-ups; after the load's own start: %s) | %s | %s |\n",
		len(ps.rss), mib(p.rssStart), mib(startRSS), yes(startRSS <= targetRSSStart))
	if p.servedLong >= longRequests {
		fmt.Fprintf(w, "| RSS after a million requests <= 32 MiB | %s after %s | %s |\n", mib(p.rssLong), count(p.servedLong), yes(p.rssLong <= targetRSSLong))
	} else {
		fmt.Fprintf(w, "| RSS after a million requests <= 32 MiB | %s after %s | not measured: BENCH_REQUESTS=1000000 |\n", mib(max(p.rssLoad, p.rssLong)), count(max(p.servedLoad, p.servedLong)))
	}
	if !c.inProcess {
		fmt.Fprintf(w, "| in-process and scale targets | | not measured: BENCH_INPROCESS=0 |\n")
	}
	for _, x := range r.inProcess {
		if x.missing != "" {
			fmt.Fprintf(w, "| %s | | not measured: %s |\n", x.target, x.missing)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", x.target, x.measured(), yes(x.met()))
	}
}

// command reconstructs the invocation, with the environment that tuned it.
func (r *report) command() string {
	var parts []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "BENCH_") || strings.HasPrefix(kv, "PRISM=") || strings.HasPrefix(kv, "WIREMOCK=") {
			parts = append(parts, kv)
		}
	}
	slices.Sort(parts)
	parts = append(parts, "go run ./bench/run")
	for _, a := range r.args {
		if a == "" || strings.ContainsAny(a, " {}'\"$*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// pairedRatio is the median of the ratios of rs to base round by round.
// Each round runs both servers back to back, so a round's ratio cancels
// the drift of a shared machine between rounds, which a ratio of the two
// medians (each taken over the whole run) does not.
func pairedRatio(rs, base []loadResult) float64 {
	var ratios []float64
	for i := range min(len(rs), len(base)) {
		if b := base[i].rps(); b > 0 {
			ratios = append(ratios, rs[i].rps()/b)
		}
	}
	return median(ratios)
}

// pairedP99 is the median of the ratios of rs's p99 to base's, round by
// round, judged like the throughput (pairedRatio).
func pairedP99(rs, base []loadResult) float64 {
	var ratios []float64
	for i := range min(len(rs), len(base)) {
		if b := base[i].P99; b > 0 {
			ratios = append(ratios, float64(rs[i].P99)/float64(b))
		}
	}
	return median(ratios)
}

func rpsOf(rs []loadResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.rps()
	}
	return out
}

func p50Of(rs []loadResult) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = r.P50
	}
	return out
}

func p99Of(rs []loadResult) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = r.P99
	}
	return out
}

// median returns the median of xs (the mean of the middle two for an even count).
func median[T float64 | int64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medianDur(xs []time.Duration) time.Duration { return median(xs) }
func medianInt(xs []int64) int64                 { return median(xs) }

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func count(n int64) string { return benchkit.Thousands(n) }

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}
