package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// A loadResult is what one load run measured.
type loadResult struct {
	Requests int64
	Elapsed  time.Duration
	P50, P99 time.Duration
	// Errors counts failed requests: connection errors, timeouts, and
	// answers other than the expected status.
	Errors int64
}

func (r loadResult) rps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// A loader loads one URL with the seed request for a duration.
type loader interface {
	name() string
	load(ctx context.Context, url string, d time.Duration) (loadResult, error)
}

//go:embed cold_transfer.lua
var wrkScript []byte

// wrkLoader runs wrk (Debian's package, as the peers were measured) with
// cold_transfer.lua.
type wrkLoader struct {
	path           string
	threads, conns int
	script, ver    string
}

func newWrk(dir string, threads, conns int) (*wrkLoader, error) {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return nil, errNoWrk
	}
	script := filepath.Join(dir, "cold_transfer.lua")
	if err := os.WriteFile(script, wrkScript, 0o644); err != nil {
		return nil, err
	}
	// wrk -v prints its version and exits 1.
	out, _ := exec.Command(path, "-v").CombinedOutput()
	v, _, _ := strings.Cut(string(out), "[")
	if v = strings.TrimSpace(v); !strings.HasPrefix(v, "wrk") {
		v = "wrk " + v
	}
	return &wrkLoader{path: path, threads: threads, conns: conns, script: script, ver: strings.TrimSpace(v)}, nil
}

func (w *wrkLoader) name() string {
	return fmt.Sprintf("%s (-t%d -c%d, bench/run/cold_transfer.lua)", w.ver, w.threads, w.conns)
}

func (w *wrkLoader) load(ctx context.Context, url string, d time.Duration) (loadResult, error) {
	secs := int(math.Ceil(d.Seconds()))
	cmd := exec.CommandContext(ctx, w.path,
		fmt.Sprintf("-t%d", w.threads), fmt.Sprintf("-c%d", w.conns), fmt.Sprintf("-d%ds", secs),
		"--timeout", "5s", "-s", w.script, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("wrk: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Requests   int64 `json:"requests"`
		DurationUS int64 `json:"duration_us"`
		P50US      int64 `json:"p50_us"`
		P99US      int64 `json:"p99_us"`
		Connect    int64 `json:"err_connect"`
		Read       int64 `json:"err_read"`
		Write      int64 `json:"err_write"`
		Status     int64 `json:"err_status"`
		Timeout    int64 `json:"err_timeout"`
	}
	found := false
	for line := range strings.Lines(stdout.String()) {
		if strings.HasPrefix(line, `{"bench":1`) {
			if err := json.Unmarshal([]byte(line), &out); err != nil {
				return loadResult{}, fmt.Errorf("wrk: results line %q: %w", line, err)
			}
			found = true
		}
	}
	if !found {
		return loadResult{}, fmt.Errorf("wrk printed no results line: %s", stdout.String())
	}
	return loadResult{
		Requests: out.Requests,
		Elapsed:  time.Duration(out.DurationUS) * time.Microsecond,
		P50:      time.Duration(out.P50US) * time.Microsecond,
		P99:      time.Duration(out.P99US) * time.Microsecond,
		// wrk counts statuses above 399 only; the probe at start-up has
		// already checked that the answer is the expected one.
		Errors: out.Connect + out.Read + out.Write + out.Status + out.Timeout,
	}, nil
}

// goLoader is the fallback when wrk is not installed: conns closed-loop
// workers, each on its own keep-alive connection, like wrk -cN. It runs in
// the harness process, so its figures are comparable with each other but
// not with wrk's.
type goLoader struct {
	conns int
	ok    func(status int) bool
}

func (g *goLoader) name() string {
	return fmt.Sprintf("Go load generator in bench/run (-c%d)", g.conns)
}

func (g *goLoader) load(ctx context.Context, url string, d time.Duration) (loadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	body := []byte(seedBody)
	type worker struct {
		lat    []time.Duration
		errors int64
	}
	workers := make([]worker, g.conns)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range workers {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			for ctx.Err() == nil {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					w.errors++
					return
				}
				req.Header["Authorization"] = []string{seedAuth}
				req.Header["Content-Type"] = []string{"application/json"}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					w.errors++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				w.lat = append(w.lat, time.Since(t0))
				if !g.ok(resp.StatusCode) {
					w.errors++
				}
			}
		}(&workers[i])
	}
	wg.Wait()
	elapsed := time.Since(began)
	var all []time.Duration
	var res loadResult
	for _, w := range workers {
		all = append(all, w.lat...)
		res.Errors += w.errors
	}
	slices.Sort(all)
	res.Requests = int64(len(all))
	res.Elapsed = elapsed
	res.P50 = percentile(all, 50)
	res.P99 = percentile(all, 99)
	return res, nil
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
