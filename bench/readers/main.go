package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/phlomock/phlomock/bench/internal/benchkit"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

func main() {
	child := flag.String("child", "", "run one measurement: before or after")
	readers := flag.Int("readers", 1, "concurrent readers (with -child)")
	rounds := flag.Int("rounds", 1, "measurements of each kind")
	limit := flag.Int64("stop", 6<<30, "bytes of RSS at which a measurement stops (the machine is shared): reported as over it")
	flag.Parse()
	if *child != "" {
		go stopAt(*limit)
		if err := measure(*child, *readers); err != nil {
			log.Fatal(err)
		}
		return
	}
	fmt.Println("| GOMEMLIMIT | readers | before: peak RSS | after: peak RSS | journal filled (RSS) |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, n := range []int{1, 4, 16} {
		for _, memlimit := range []string{"", "200MiB"} {
			row(n, memlimit, *rounds, *limit)
		}
	}
}

// row measures n readers before and after, interleaved, rounds times.
func row(n int, memlimit string, rounds int, limit int64) {
	var before, after, base []int64
	for range rounds {
		for _, mode := range []string{"before", "after"} {
			cmd := exec.Command(os.Args[0], "-child", mode, "-readers", fmt.Sprint(n), "-stop", fmt.Sprint(limit))
			cmd.Env = append(os.Environ(), "GOMEMLIMIT="+memlimit)
			if memlimit == "" {
				cmd.Env = append(os.Environ(), "GOMEMLIMIT=off")
			}
			out, err := cmd.Output()
			if err != nil {
				log.Fatalf("%s %d: %v", mode, n, err)
			}
			var r result
			if err := json.Unmarshal(out, &r); err != nil {
				log.Fatalf("%s %d: %v: %s", mode, n, err, out)
			}
			if mode == "before" {
				before = append(before, r.Peak)
			} else {
				after = append(after, r.Peak)
			}
			base = append(base, r.Filled)
		}
	}
	shown := memlimit
	if shown == "" {
		shown = "off"
	}
	fmt.Printf("| %s | %d | %s | %s | %s |\n", shown, n, mib(before), mib(after), mib(base))
}

// stopAt ends the measurement once the process's RSS passes limit, with a
// result that says so (Peak -1).
func stopAt(limit int64) {
	for {
		if rss, err := benchkit.Status(os.Getpid(), "VmRSS:"); err == nil && rss > limit {
			_ = json.NewEncoder(os.Stdout).Encode(result{Peak: -limit})
			os.Exit(0)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type result struct {
	Filled, Peak int64 // bytes
	Read         int64 // bytes of JSON each reader read
}

func mib(vs []int64) string {
	var parts []string
	for _, v := range vs {
		if v < 0 {
			parts = append(parts, fmt.Sprintf("over %.0f (stopped)", float64(-v)/(1<<20)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%.1f", float64(v)/(1<<20)))
	}
	return strings.Join(parts, ", ") + " MiB"
}

// measure fills a fake's journal, resets the process's peak RSS, lets n
// readers read the whole journal at once, and prints the peak.
func measure(mode string, n int) error {
	debug.SetGCPercent(200) // serve's, for a journal of this size
	doc, err := openapi.Load()
	if err != nil {
		return err
	}
	// The zero Config: the default account, no scenario active, the
	// journal in memory (the director answers as the contract does).
	f, err := fake.New(doc, fake.Config{})
	if err != nil {
		return err
	}
	defer f.Close(context.Background())
	body := strings.Repeat("<", 64<<10)
	for range mockserver.DefaultJournalSize {
		req := httptest.NewRequest("POST", benchkit.SeedPath, strings.NewReader(body))
		req.Header.Set("Authorization", benchkit.SeedAuth)
		req.Header.Set("Content-Type", "application/json")
		f.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	admin := f.AdminHandler()
	if mode == "before" {
		// The answer as it was: the whole page marshalled at once.
		admin = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			page := f.Journal().Page(mockserver.PageQuery{Latest: true, Limit: mockserver.MaxPageLimit, MaxBytes: 1 << 40}, nil)
			mockserver.WriteJSON(w, http.StatusOK, page)
		})
	}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	runtime.GC()
	debug.FreeOSMemory()
	filled, err := benchkit.Status(os.Getpid(), "VmRSS:")
	if err != nil {
		return err
	}
	// Linux: 5 resets VmHWM to the current RSS.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return err
	}
	var wg sync.WaitGroup
	read := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			read[i], errs[i] = readAll(srv.URL, mode)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	peak, err := benchkit.Status(os.Getpid(), "VmHWM:")
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(result{Filled: filled, Peak: peak, Read: read[0]})
}

// readAll reads the whole journal as a client would, without keeping it.
func readAll(base, mode string) (int64, error) {
	if mode == "before" {
		return get(base+"/__admin/journal?limit=1000", nil)
	}
	var total int64
	for after := uint64(0); ; {
		var page struct {
			Next uint64 `json:"next"`
			More bool   `json:"more"`
		}
		n, err := get(fmt.Sprintf("%s/__admin/journal?after=%d&limit=1000", base, after), &page)
		if err != nil {
			return total, err
		}
		total += n
		if !page.More {
			return total, nil
		}
		after = page.Next
	}
}

// get reads an answer through, decoding only next and more (into v).
func get(url string, v any) (int64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if v == nil {
		return io.Copy(io.Discard, resp.Body)
	}
	cw := &counter{r: resp.Body}
	err = json.NewDecoder(cw).Decode(v)
	return cw.n, err
}

type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
