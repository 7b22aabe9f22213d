package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []int64
		want int64
	}{
		{"empty", nil, 0},
		{"one", []int64{7}, 7},
		{"odd unsorted", []int64{9, 1, 5}, 5},
		{"even is the mean of the middle two", []int64{4, 1, 10, 2}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := median(tt.in)
			assert.Equal(t, tt.want, got, "got %d, want %d", got, tt.want)
		})
	}
}

func TestPercentile(t *testing.T) {
	sorted := make([]time.Duration, 100)
	for i := range sorted {
		sorted[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 99, 0},
		{"p50 of 1..100", sorted, 50, 50 * time.Millisecond},
		{"p99 of 1..100", sorted, 99, 99 * time.Millisecond},
		{"p99 of one", sorted[:1], 99, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentile(tt.in, tt.p)
			assert.Equal(t, tt.want, got, "got %v, want %v", got, tt.want)
		})
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1000000: "1,000,000", 12345678: "12,345,678"} {
		got := count(in)
		assert.Equal(t, want, got, "count(%d): got %q, want %q", in, got, want)
	}
}

func TestParseConfig(t *testing.T) {
	t.Setenv("BENCH_DURATION", "")
	t.Setenv("PRISM", "")
	c, err := parseConfig(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, c.duration, "default duration")
	assert.Equal(t, []level{{threads: 1, conns: 2}, {threads: 2, conns: 64}}, c.levels,
		"default concurrencies: wrk -t1 -c2 (as the peers) and -t2 -c64 (issue 16)")
	assert.True(t, c.inProcess, "the in-process benchmarks run by default")
	assert.Equal(t, "auto", c.prism)
	assert.Equal(t, "auto", c.redis, "the --store redis rounds run when redis-server is installed")

	t.Setenv("BENCH_REQUESTS", "1_000_000")
	c, err = parseConfig([]string{"-duration", "3s"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, int64(1_000_000), c.requests)
	assert.Equal(t, 3*time.Second, c.duration)

	bad := []struct {
		name string
		args []string
	}{
		{"duration under a second", []string{"-duration", "500ms"}},
		{"duration not a duration", []string{"-duration", "ten"}},
		{"no rounds", []string{"-rounds", "0"}},
		{"fewer connections than threads", []string{"-threads", "4", "-connections", "2"}},
		{"threads list of another length", []string{"-threads", "1,2,3", "-connections", "2,64"}},
		{"connections not a count", []string{"-connections", "2,lots"}},
		{"inprocess not a switch", []string{"-inprocess", "maybe"}},
		{"benchtime not a time", []string{"-benchtime", "soon"}},
		{"unknown tool", []string{"-tool", "ab"}},
		{"negative requests", []string{"-requests", "-1"}},
		{"stray argument", []string{"now"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, io.Discard)
			assert.Error(t, err, "got no error for %v, want one", tt.args)
		})
	}
}

func TestPairedRatio(t *testing.T) {
	at := func(rps ...int64) []loadResult {
		out := make([]loadResult, len(rps))
		for i, n := range rps {
			out[i] = loadResult{Requests: n, Elapsed: time.Second}
		}
		return out
	}
	// The machine speeds up between rounds: the ratio of the medians
	// (16/20 = 80%) mixes rounds; the rounds' own ratios are 90%, 80%, 100%.
	got := pairedRatio(at(9, 16, 30), at(10, 20, 30))
	assert.InDelta(t, 0.9, got, 1e-9, "got %v, want the median of 0.9, 0.8 and 1.0", got)
	assert.Equal(t, 0.0, pairedRatio(nil, nil), "no rounds, no ratio")
	assert.InDelta(t, 0.5, pairedRatio(at(5, 7), at(10, 0)), 1e-9, "a round whose baseline served nothing is left out")
}

func TestParseLevels(t *testing.T) {
	got, err := parseLevels("2,64,8", "2")
	require.NoError(t, err)
	want := []level{{2, 2}, {2, 64}, {2, 8}}
	assert.Equal(t, want, got, "one thread count applies to every connection count")
}

func TestPairedP99(t *testing.T) {
	at := func(ms ...int) []loadResult {
		out := make([]loadResult, len(ms))
		for i, n := range ms {
			out[i] = loadResult{P99: time.Duration(n) * time.Millisecond}
		}
		return out
	}
	// Rounds' own ratios: 1.2, 1.5, 1.0; the medians' ratio would be 3/2.
	got := pairedP99(at(6, 3, 1), at(5, 2, 1))
	assert.InDelta(t, 1.2, got, 1e-9, "got %v, want the median of the same-round ratios", got)
}

func TestBenchLine(t *testing.T) {
	tests := []struct {
		line, name string
		ns         string
	}{
		{"BenchmarkColdTransferParallel-2   \t  123456\t      9876 ns/op\t    9000 B/op", "BenchmarkColdTransferParallel", "9876"},
		{"BenchmarkScaleRules/rules-500-last-2 \t 1000 \t 12.5 ns/op", "BenchmarkScaleRules/rules-500-last", "12.5"},
		{"BenchmarkScaleCalls/live-10000 \t 1000 \t 3 ns/op", "BenchmarkScaleCalls/live-10000", "3"},
	}
	for _, tt := range tests {
		m := benchLine.FindStringSubmatch(tt.line)
		require.NotNil(t, m, "no match for %q", tt.line)
		assert.Equal(t, tt.name, m[1], "name of %q", tt.line)
		assert.Equal(t, tt.ns, m[2], "ns/op of %q", tt.line)
	}
}

// startRedis off starts nothing; with a binary that is not redis-server it
// fails and says so instead of leaving the rounds out silently.
func TestStartRedis(t *testing.T) {
	url, stop, err := startRedis(context.Background(), "off", t.TempDir(), func(string, ...any) {})
	require.NoError(t, err)
	stop()
	assert.Empty(t, url)
	_, _, err = startRedis(context.Background(), "/bin/false", t.TempDir(), func(string, ...any) {})
	assert.ErrorContains(t, err, "redis-server exited before answering")
}

// The seed's WireMock stub is JSON WireMock reads: the seed's request and
// the baseline's answer; its configuration gives every connection a thread.
func TestWireMockStub(t *testing.T) {
	var stub struct {
		Request struct {
			Method, URLPath string
			Auth            map[string]string `json:"basicAuthCredentials"`
		}
		Response struct {
			Status int
			Body   string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(wiremockStub), &stub))
	assert.Equal(t, "POST", stub.Request.Method)
	assert.Equal(t, seedPath, stub.Request.URLPath)
	assert.Equal(t, seedAuth, "Basic "+base64.StdEncoding.EncodeToString([]byte(stub.Request.Auth["username"]+":"+stub.Request.Auth["password"])))
	assert.Equal(t, 201, stub.Response.Status)
	assert.JSONEq(t, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`, stub.Response.Body)
	assert.Contains(t, strings.Join(wiremockArgs(64), " "), "--no-request-journal")
	assert.Contains(t, strings.Join(wiremockArgs(64), " "), "--container-threads 128")
	assert.Contains(t, strings.Join(wiremockArgs(2), " "), "--container-threads 25", "never fewer than its default")

	w, err := findWireMock("off", nil)
	require.NoError(t, err)
	assert.Nil(t, w)
	_, err = findWireMock("sometimes", nil)
	assert.ErrorContains(t, err, "want auto, off or install")
}
