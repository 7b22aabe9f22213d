package metrics

import (
	"cmp"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// WriteText writes every metric in Prometheus's text exposition format
// (version 0.0.4): the families in the order of their names, the series
// of each in the order of their label values, families without a series
// left out.
func (m *Metrics) WriteText(w io.Writer) error {
	var t text
	m.writeFake(&t)
	writeRuntime(&t)
	writeProcess(&t)
	_, err := w.Write(t.b)
	return err
}

// writeFake writes the phlomock_ families.
func (m *Metrics) writeFake(t *text) {
	src := m.src.Load()
	if src == nil {
		src = &Sources{}
	}
	if src.Calls != nil {
		var live, ended int
		for _, c := range src.Calls() {
			if isLive(c) {
				live++
			} else {
				ended++
			}
		}
		t.family("phlomock_calls", "gauge", "Simulated multi-party calls the fake holds, by whether someone is on them (live) or everyone left (ended).")
		t.sample("phlomock_calls", []string{"state", "ended"}, float64(ended))
		t.sample("phlomock_calls", []string{"state", "live"}, float64(live))
	}
	var entries []*mockserver.Entry
	if src.Journal != nil {
		entries = src.Journal.Entries(mockserver.Filter{})
		var n int
		for _, e := range entries {
			n += len(e.Body) + len(e.BodyBase64) + len(e.Answer)
		}
		t.gauge("phlomock_journal_bytes", "Bytes of request bodies and answers the journal holds now (each at most --journal-body-limit), without headers and bookkeeping.", float64(n))
	}
	if src.JournalDropped != nil {
		t.counter("phlomock_journal_dropped_total", "Journal entries not written to the shared store because the queue to it was full (the store down or slower than the requests): this process's journal still has them.", float64(src.JournalDropped()))
	}
	if src.Journal != nil {
		t.gauge("phlomock_journal_entries", "Exchanges the journal holds now (at most --journal-size).", float64(len(entries)))
	}
	if src.Ready != nil {
		v := 0.0
		if src.Ready() {
			v = 1
		}
		t.gauge("phlomock_ready", "1 when /readyz answers 200, 0 when it answers 503 (shutting down, or the store is unreachable).", v)
	}

	t.histograms("phlomock_request_duration_seconds", "Time from a request's arrival to its answer being written, scenario delays included, by operation id.", "operation", m.latency.snapshot())

	reqs := m.requests.snapshot()
	if len(reqs) > 0 {
		keys := sortedKeys(reqs, func(a, b seriesKey) int {
			return cmp.Or(cmp.Compare(a.operation, b.operation), cmp.Compare(a.scenario, b.scenario), cmp.Compare(a.status, b.status))
		})
		t.family("phlomock_requests_total", "counter", "Requests the fake answered, by operation id (empty: no operation matched), status and scenario (empty: the spec answered, no scenario rule).")
		for _, k := range keys {
			t.sample("phlomock_requests_total", []string{"operation", k.operation, "scenario", k.scenario, "status", strconv.Itoa(k.status)}, float64(reqs[k].requests.Load()))
		}
	}

	t.histograms("phlomock_store_duration_seconds", "Round trips to the Redis store, by command (pipeline: a pipeline or transaction sent at once), errors included.", "command", m.storeLat.snapshot())
	if errs := m.storeErr.snapshot(); len(errs) > 0 {
		t.family("phlomock_store_errors_total", "counter", "Round trips to the Redis store that failed (unreachable, timed out, refused), by command. A missing key is not an error.")
		for _, k := range sortedKeys(errs, strings.Compare) {
			t.sample("phlomock_store_errors_total", []string{"command", k}, float64(errs[k].Load()))
		}
	}
	if src.Store != "" {
		t.family("phlomock_store_info", "gauge", "Where the fake keeps its state: the store's URL without its password, and the key prefix. Always 1.")
		t.sample("phlomock_store_info", []string{"prefix", src.StorePrefix, "store", src.Store}, 1)
	}
}

// writeRuntime writes the Go runtime's figures that Prometheus's Go
// collector exports by default, under the same names.
func writeRuntime(t *text) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
	t.family("go_info", "gauge", "Information about the Go environment.")
	t.sample("go_info", []string{"version", runtime.Version()}, 1)
	t.gauge("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", float64(ms.Alloc))
	t.counter("go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already.", float64(ms.TotalAlloc))
	t.gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes in in-use spans.", float64(ms.HeapInuse))
	t.gauge("go_memstats_heap_objects", "Number of currently allocated objects.", float64(ms.HeapObjects))
	t.gauge("go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", float64(ms.LastGC)/1e9)
	t.counter("go_memstats_mallocs_total", "Total number of heap objects allocated, both live and gc-ed.", float64(ms.Mallocs))
	t.gauge("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", float64(ms.NextGC))
	t.gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", float64(ms.Sys))
	t.gauge("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting.", float64(runtime.GOMAXPROCS(0)))
}

// writeProcess writes the process's figures as Prometheus's process
// collector does, from /proc; where there is no /proc (macOS), only the
// file descriptors' limit.
func writeProcess(t *text) {
	if stat, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command's closing parenthesis, from the
		// state (field 3): utime 14, stime 15, starttime 22, vsize 23, rss 24.
		_, rest, _ := strings.Cut(string(stat[max(0, strings.LastIndexByte(string(stat), ')')):]), " ")
		f := strings.Fields(rest)
		field := func(n int) float64 {
			if n-3 >= len(f) {
				return math.NaN()
			}
			v, err := strconv.ParseFloat(f[n-3], 64)
			if err != nil {
				return math.NaN()
			}
			return v
		}
		const userHZ = 100 // as Prometheus's procfs assumes
		t.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", (field(14)+field(15))/userHZ)
		if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
			t.gauge("process_open_fds", "Number of open file descriptors.", float64(len(fds)))
		}
		writeMaxFDs(t)
		t.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", field(24)*float64(os.Getpagesize()))
		if boot := bootTime(); boot > 0 {
			t.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", boot+field(22)/userHZ)
		}
		t.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", field(23))
		return
	}
	writeMaxFDs(t)
}

func writeMaxFDs(t *text) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		t.gauge("process_max_fds", "Maximum number of open file descriptors.", float64(lim.Cur))
	}
}

// bootTime is the system's boot time in seconds since 1970 (btime in
// /proc/stat), or 0.
func bootTime() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return n
		}
	}
	return 0
}

// text builds the exposition.
type text struct{ b []byte }

func (t *text) family(name, typ, help string) {
	t.b = append(t.b, "# HELP "...)
	t.b = append(t.b, name...)
	t.b = append(t.b, ' ')
	t.b = appendEscaped(t.b, help, false)
	t.b = append(t.b, "\n# TYPE "...)
	t.b = append(t.b, name...)
	t.b = append(t.b, ' ')
	t.b = append(t.b, typ...)
	t.b = append(t.b, '\n')
}

func (t *text) gauge(name, help string, v float64) {
	t.family(name, "gauge", help)
	t.sample(name, nil, v)
}

func (t *text) counter(name, help string, v float64) {
	t.family(name, "counter", help)
	t.sample(name, nil, v)
}

// sample writes one line; labels are name, value pairs, in the order of
// their names.
func (t *text) sample(name string, labels []string, v float64) {
	t.b = append(t.b, name...)
	if len(labels) > 0 {
		t.b = append(t.b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				t.b = append(t.b, ',')
			}
			t.b = append(t.b, labels[i]...)
			t.b = append(t.b, `="`...)
			t.b = appendEscaped(t.b, labels[i+1], true)
			t.b = append(t.b, '"')
		}
		t.b = append(t.b, '}')
	}
	t.b = append(t.b, ' ')
	t.b = appendFloat(t.b, v)
	t.b = append(t.b, '\n')
}

// histograms writes a histogram family with one series per label value.
func (t *text) histograms(name, help, label string, hs map[string]*histogram) {
	if len(hs) == 0 {
		return
	}
	t.family(name, "histogram", help)
	for _, k := range sortedKeys(hs, strings.Compare) {
		h := hs[k]
		var cum uint64
		for i := range h.counts {
			cum += h.counts[i].Load()
			le := "+Inf"
			if i < len(h.bounds) {
				le = string(appendFloat(nil, h.bounds[i]))
			}
			t.sample(name+"_bucket", []string{label, k, "le", le}, float64(cum))
		}
		t.sample(name+"_sum", []string{label, k}, math.Float64frombits(h.sumBits.Load()))
		t.sample(name+"_count", []string{label, k}, float64(cum))
	}
}

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendEscaped escapes a backslash and a line feed, and in a label value
// a double quote too, as the text format wants.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func sortedKeys[K comparable, T any](m map[K]*T, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// isLive: someone is on the call, or a warm transfer is pending.
func isLive(c multiparty.Snapshot) bool {
	if c.Transfer != nil {
		return true
	}
	for _, m := range c.Members {
		if m.State != multiparty.Disconnected {
			return true
		}
	}
	return false
}
