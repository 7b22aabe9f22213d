package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/phlomock/phlomock/bench/internal/benchkit"
	"github.com/phlomock/phlomock/internal/scalegen"
)

// The seed request, as bench/run sends it.
const (
	seedPath = benchkit.SeedPath
	seedBody = benchkit.SeedBody
	authID   = benchkit.AuthID
	token    = benchkit.AuthToken
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "rss: %v\n", err)
		os.Exit(1)
	}
}

// sizes are how large each structure is made.
type sizes struct {
	entries, calls, layers, rules, ops, requests int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("phlomock", "bin/phlomock", "the phlomock `binary` to measure")
	var sz sizes
	fs.IntVar(&sz.entries, "entries", 100_000, "journal entries (--journal-size), filled with the seed exchange")
	fs.IntVar(&sz.calls, "calls", 10_000, "live simulated calls (transfer-flow), started by requests")
	fs.IntVar(&sz.layers, "layers", 5, "layered scenarios of -rules rules each")
	fs.IntVar(&sz.rules, "rules", 100, "rules per layered scenario")
	fs.IntVar(&sz.ops, "ops", 500, "operations of the generated --spec")
	fs.IntVar(&sz.requests, "requests", 10_000, "seed requests sent in the cases that fill nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	dir, err := os.MkdirTemp("", "phlomock-rss-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cases, err := buildCases(dir, sz)
	if err != nil {
		return err
	}
	var results []result
	for _, c := range cases {
		fmt.Fprintf(stderr, "rss: %s...\n", c.name)
		r, err := measure(ctx, *bin, dir, c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		results = append(results, r)
	}
	report(stdout, *bin, args, sz, results)
	return nil
}

// A rssCase is one `phlomock serve` command line and the requests that
// fill what it holds.
type rssCase struct {
	name string
	args []string
	// fill sends the requests; n is how many it sends.
	fill func(ctx context.Context, url string) error
	n    int
}

func buildCases(dir string, sz sizes) ([]rssCase, error) {
	spec, err := scalegen.Spec(sz.ops)
	if err != nil {
		return nil, err
	}
	specFile := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specFile, spec, 0o600); err != nil {
		return nil, err
	}
	var ruleArgs []string
	for l := range sz.layers {
		f := filepath.Join(dir, scalegen.LayerName(l)+".yaml")
		if err := os.WriteFile(f, scalegen.RuleScenario(l, sz.rules), 0o600); err != nil {
			return nil, err
		}
		ruleArgs = append(ruleArgs, "--scenario", f)
	}
	seed := func(n int) func(context.Context, string) error {
		return func(ctx context.Context, url string) error {
			return send(ctx, n, func(int) (string, string) { return url + seedPath, seedBody })
		}
	}
	calls := func(ctx context.Context, url string) error {
		return send(ctx, sz.calls, func(i int) (string, string) {
			return fmt.Sprintf("%s/v1/phlo/P1/multi_party_call/node-%d", url, i),
				`{"action":"call","to":"+14155550100","role":"agent","trigger_source":"+14155550199"}`
		})
	}
	return []rssCase{
		{name: "start (nothing sent)", fill: seed(0)},
		{name: "default journal (1,000 entries), full", fill: seed(sz.entries), n: sz.entries},
		{name: fmt.Sprintf("journal of %s entries, full", count(sz.entries)), args: []string{"--journal-size", strconv.Itoa(sz.entries)}, fill: seed(sz.entries), n: sz.entries},
		{name: fmt.Sprintf("%s live calls (transfer-flow)", count(sz.calls)), args: []string{"--scenario", "transfer-flow"}, fill: calls, n: sz.calls},
		{name: fmt.Sprintf("%s rules in %d layered scenarios", count(sz.layers*sz.rules), sz.layers), args: ruleArgs, fill: seed(sz.requests), n: sz.requests},
		{name: fmt.Sprintf("%s-operation --spec", count(sz.ops)), args: []string{"--spec", specFile}, fill: seed(sz.requests), n: sz.requests},
	}, nil
}

// A result is one case measured.
type result struct {
	c          rssCase
	start, end int64 // RSS after start and after the requests, bytes
	peak       int64 // VmHWM at the end
	kept       int   // body and answer bytes of the last journal entry
}

func measure(ctx context.Context, bin, dir string, c rssCase) (result, error) {
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return result{}, err
	}
	admin, err := benchkit.FreeAddr()
	if err != nil {
		return result{}, err
	}
	args := append([]string{"serve", "--addr", addr, "--admin-addr", admin, "--log-level", "error"}, c.args...)
	logf, err := os.CreateTemp(dir, "serve-*.log")
	if err != nil {
		return result{}, err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	url := "http://" + addr
	if err := waitReady(ctx, "http://"+admin+"/readyz"); err != nil {
		return result{}, err
	}
	r := result{c: c}
	if r.start, err = benchkit.Status(cmd.Process.Pid, "VmRSS:"); err != nil {
		return r, err
	}
	if err := c.fill(ctx, url); err != nil {
		return r, err
	}
	time.Sleep(time.Second) // let the last requests finish their journaling
	if r.end, err = benchkit.Status(cmd.Process.Pid, "VmRSS:"); err != nil {
		return r, err
	}
	if r.peak, err = benchkit.Status(cmd.Process.Pid, "VmHWM:"); err != nil {
		return r, err
	}
	r.kept, err = lastKept(ctx, "http://"+admin)
	return r, err
}

// send sends n requests, from 8 connections, with Basic auth; each must
// answer 201.
func send(ctx context.Context, n int, req func(i int) (url, body string)) error {
	const conns = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				url, body := req(i)
				rq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
				if err != nil {
					errs[w] = err
					return
				}
				rq.SetBasicAuth(authID, token)
				rq.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(rq)
				if err != nil {
					errs[w] = err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					errs[w] = fmt.Errorf("POST %s: got %d %s, want 201", url, resp.StatusCode, bytes.TrimSpace(b))
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

func waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after 10s", url)
}

// lastKept is the bytes of body and answer the journal's last entry keeps
// (0 when it is empty).
func lastKept(ctx context.Context, admin string) (int, error) {
	rq, err := http.NewRequestWithContext(ctx, http.MethodGet, admin+"/__admin/journal?limit=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(rq)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Entries []struct {
			Body   string          `json:"body"`
			Answer json.RawMessage `json:"answer"`
		} `json:"entries"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, fmt.Errorf("GET /__admin/journal: %w", err)
	}
	if len(page.Entries) == 0 {
		return 0, nil
	}
	e := page.Entries[len(page.Entries)-1]
	return len(e.Body) + len(e.Answer), nil
}

func report(w io.Writer, bin string, args []string, sz sizes, rs []result) {
	fmt.Fprintf(w, "- command: `go run ./bench/rss %s`\n", strings.Join(append([]string{"-phlomock", bin}, withoutBin(args)...), " "))
	fmt.Fprintf(w, "- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- each case is one `phlomock serve --log-level error` process; RSS (VmRSS) after start, and 1s after its requests (8 connections, each answered 201); peak is VmHWM\n\n")
	fmt.Fprintln(w, "| case | serve arguments | requests | RSS after start | RSS after the requests | growth | peak |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|")
	var base int64
	for _, r := range rs {
		if strings.HasPrefix(r.c.name, "default journal") {
			base = r.end
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f MiB | %.1f MiB | %+.1f MiB | %.1f MiB |\n", r.c.name, shownArgs(r.c.args), count(r.c.n), mib(r.start), mib(r.end), mib(r.end-r.start), mib(r.peak))
	}
	for _, r := range rs {
		if !strings.HasPrefix(r.c.name, "journal of") || base == 0 || sz.entries <= 1000 {
			continue
		}
		per := float64(r.end-base) / float64(sz.entries-1000)
		fmt.Fprintf(w, "\nJournal: %.0f bytes of RSS per entry beyond the default 1,000 ((%.1f - %.1f MiB) / %s entries), of which %d are the body and answer kept: %.0f bytes an entry beyond them (target: at most about 1 KB).\n\n",
			per, mib(r.end), mib(base), count(sz.entries-1000), r.kept, per-float64(r.kept))
	}
}

func withoutBin(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-phlomock" || args[i] == "--phlomock" {
			i++
			continue
		}
		if strings.HasPrefix(args[i], "-phlomock=") || strings.HasPrefix(args[i], "--phlomock=") {
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// shownArgs is args with the temporary directory's paths cut to their
// file names, as code; "" for none.
func shownArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	out := make([]string, len(args))
	for i, a := range args {
		if filepath.IsAbs(a) {
			a = filepath.Base(a)
		}
		out[i] = a
	}
	return "`" + strings.Join(out, " ") + "`"
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func count(n int) string { return benchkit.Thousands(int64(n)) }
