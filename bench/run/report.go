package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

type startStats struct {
	name  string
	times []time.Duration
	rss   []int64
}

type loadStats struct {
	name       string
	rounds     []loadResult
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

// A report is everything one run measured, printed as markdown.
type report struct {
	cfg             config
	args            []string
	phlomockVersion string
	prismVersion    string
	loader          string
	loadavg         string
	starts          []startStats
	loads           []loadStats
	order           []roundEntry
}

// The targets for phlomock.
const (
	targetRatio    = 0.90
	targetStart    = 25 * time.Millisecond
	targetRSSStart = 20 << 20
	targetRSSLong  = 40 << 20
	longRequests   = 1_000_000
)

func (r *report) write(w io.Writer) {
	c := r.cfg
	fmt.Fprintf(w, "### Run\n\n")
	fmt.Fprintf(w, "- command: `%s`\n", r.command())
	fmt.Fprintf(w, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- host: %d CPUs (%s), Linux %s, %s\n", runtime.NumCPU(), cpuModel(), kernel(), runtime.Version())
	fmt.Fprintf(w, "- phlomock: `%s` `%s`\n", r.phlomockVersion, c.phlomockArgs)
	fmt.Fprintf(w, "- load: %s, %d interleaved rounds of %v per server after a %v warm-up; each request is the seed's cold transfer, POST %s with Basic auth, on loopback\n",
		r.loader, c.rounds, c.duration, c.warmup, seedPath)
	fmt.Fprintf(w, "- an answer counts when it is 201 (phlomock, baseline) or any 2xx (Prism answers the contract's first success response, 200); errors are failed connections, timeouts and statuses >= 400\n")
	fmt.Fprintf(w, "- load average before the run: %s (the figures are only as quiet as the machine)\n", r.loadavg)

	base := r.loads[0]
	baseRPS := median(rpsOf(base.rounds))
	baseP99 := medianDur(p99Of(base.rounds))
	fmt.Fprintf(w, "\n### Throughput and latency (median of the rounds)\n\n")
	fmt.Fprintf(w, "| server | req/s | vs baseline | p50 | p99 | p99 vs baseline | errors | RSS after start | RSS after load (requests served) |\n")
	fmt.Fprintf(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, l := range r.loads {
		rps := median(rpsOf(l.rounds))
		p99 := medianDur(p99Of(l.rounds))
		var errs int64
		for _, res := range l.rounds {
			errs += res.Errors
		}
		fmt.Fprintf(w, "| %s | %.0f | %.1f%% | %s | %s | %.2fx | %d | %s | %s (%s) |\n",
			l.name, rps, 100*rps/baseRPS, ms(medianDur(p50Of(l.rounds))), ms(p99), float64(p99)/float64(baseP99),
			errs, mib(l.rssStart), mib(l.rssLoad), count(l.servedLoad))
	}

	fmt.Fprintf(w, "\n### Rounds, in the order they ran\n\n")
	fmt.Fprintf(w, "| round | server | requests | req/s | vs baseline, same round | p50 | p99 | errors |\n|--:|---|--:|--:|--:|--:|--:|--:|\n")
	for _, e := range r.order {
		fmt.Fprintf(w, "| %d | %s | %d | %.0f | %.1f%% | %s | %s | %d |\n",
			e.round, r.loads[e.target].name, e.res.Requests, e.res.rps(), 100*e.res.rps()/base.rounds[e.round-1].rps(),
			ms(e.res.P50), ms(e.res.P99), e.res.Errors)
	}

	if c.requests > 0 {
		fmt.Fprintf(w, "\n### Long run\n\n| server | requests served | RSS |\n|---|--:|--:|\n")
		for _, l := range r.loads {
			if l.servedLong > 0 {
				fmt.Fprintf(w, "| %s | %s | %s |\n", l.name, count(l.servedLong), mib(l.rssLong))
			}
		}
	}

	fmt.Fprintf(w, "\n### Start-up: exec to the first answered request\n\n")
	fmt.Fprintf(w, "| server | runs | median | vs baseline | min | max | RSS at first answer (median) |\n|---|--:|--:|--:|--:|--:|--:|\n")
	baseStart := medianDur(r.starts[0].times)
	for _, s := range r.starts {
		fmt.Fprintf(w, "| %s | %d | %s | %.2fx | %s | %s | %s |\n", s.name, len(s.times),
			ms(medianDur(s.times)), float64(medianDur(s.times))/float64(baseStart),
			ms(slices.Min(s.times)), ms(slices.Max(s.times)), mib(medianInt(s.rss)))
	}

	// The targets of issue 7, for phlomock (always the second target).
	p, ps := r.loads[1], r.starts[1]
	ratio := pairedRatio(p.rounds, base.rounds)
	start := medianDur(ps.times)
	fmt.Fprintf(w, "\n### Targets (issue 7)\n\n| target | measured | met |\n|---|--:|---|\n")
	fmt.Fprintf(w, "| loopback throughput >= 90%% of the baseline's (median of the same-round ratios; of the medians: %.1f%%) | %.1f%% | %s |\n",
		100*median(rpsOf(p.rounds))/baseRPS, 100*ratio, yes(ratio >= targetRatio))
	fmt.Fprintf(w, "| exec to first 201 <= 25 ms (median) | %s | %s |\n", ms(start), yes(start <= targetStart))
	fmt.Fprintf(w, "| RSS after start <= 20 MiB | %s | %s |\n", mib(p.rssStart), yes(p.rssStart <= targetRSSStart))
	if p.servedLong >= longRequests {
		fmt.Fprintf(w, "| RSS after a million requests <= 40 MiB | %s after %s | %s |\n", mib(p.rssLong), count(p.servedLong), yes(p.rssLong <= targetRSSLong))
	} else {
		fmt.Fprintf(w, "| RSS after a million requests <= 40 MiB | %s after %s | not measured: BENCH_REQUESTS=1000000 |\n", mib(max(p.rssLoad, p.rssLong)), count(max(p.servedLoad, p.servedLong)))
	}
}

// command reconstructs the invocation, with the environment that tuned it.
func (r *report) command() string {
	var parts []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "BENCH_") || strings.HasPrefix(kv, "PRISM=") {
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

func count(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

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
