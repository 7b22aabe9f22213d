package certify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/openapi"
)

// Parallel lanes give the report a run one case at a time gives: the same
// findings with the same texts, in the same order, the same shrinking, on
// the whole suite, for the reference client and for the mutants whose
// defects reach across cases (a configuration kept, an action remembered,
// a driver that must be restarted).
func TestParallelSameAsSerial(t *testing.T) {
	faults := []struct {
		fault       string
		callTimeout time.Duration
	}{
		// Not async-duplicate: whether its second request arrives before
		// the journal is read or after depends on the machine's load, one
		// lane or four. no-timeout restarts its driver after
		// getPhlo/no-answer, so its lanes' histories differ most
		// (TestCaseCarriesNothingFromTheCaseBefore).
		{"reference", 0}, {"", 0}, {"sticky-config", 0}, {"dedupe-repeat", 0},
		{"hangup-forgets", 0}, {"idempotent-actions", 0}, {"retry-after-seconds-only", 0},
		{"ascii-only-payload", 0}, {"no-timeout", 3 * time.Second},
	}
	for _, tt := range faults {
		name := tt.fault
		if name == "" {
			name = "faithful"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := func(parallel int) string {
				var r *certify.Runner
				if tt.fault == "reference" {
					spec, err := openapi.Load()
					require.NoError(t, err)
					r = &certify.Runner{Spec: spec, Command: sdktest.Quote(buildPhlomock(t)) + " driver", Driver: driver.Options{CallTimeout: 10 * time.Second}}
				} else {
					r = helperRunner(t, tt.fault, tt.callTimeout)
				}
				r.Seed, r.Parallel = 7, parallel
				rep, err := r.Run(context.Background(), certify.Cases())
				require.NoError(t, err)
				var b bytes.Buffer
				require.NoError(t, certify.WriteText(&b, rep))
				require.NoError(t, certify.WriteJSON(&b, rep))
				return b.String()
			}
			serial, parallel := run(1), run(4)
			assert.Equal(t, serial, parallel, "the reports of --parallel 1 (left) and 4 (right)")
			assert.Contains(t, serial, "certify: ", "a whole report")
		})
	}
}

// BenchmarkCertifySerial and BenchmarkCertifyParallel time a whole
// certification (driver start-up included) one case at a time and on
// DefaultParallel lanes, of the reference client and of plivo-go; run
// them together for the ratio:
//
//	go test ./certify -run '^$' -bench 'Certify(Serial|Parallel)' -benchtime 3x
func BenchmarkCertifySerial(b *testing.B)   { benchmarkCertify(b, 1) }
func BenchmarkCertifyParallel(b *testing.B) { benchmarkCertify(b, certify.DefaultParallel) }

func benchmarkCertify(b *testing.B, parallel int) {
	spec, err := openapi.Load()
	require.NoError(b, err)
	loop := func(b *testing.B, command, dir string) {
		r := &certify.Runner{Spec: spec, Command: command, Parallel: parallel,
			Driver: driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second}}
		for b.Loop() {
			rep, err := r.Run(context.Background(), nil)
			require.NoError(b, err)
			require.Len(b, rep.Results, len(certify.Cases()))
		}
	}
	b.Run("reference", func(b *testing.B) { loop(b, sdktest.Quote(buildPhlomock(b))+" driver", "") })
	b.Run("plivo-go", func(b *testing.B) {
		command, dir := sdktest.PlivoGo(b) // skipped where it cannot be built
		loop(b, command, dir)
	})
}

// A case's result does not depend on the cases its lane ran before it.
// Whether a client's transport sends a request again after a dropped
// connection can depend on its connection pool: Go's sends a GET again
// only when the connection was reused (a fresh one "should not" fail), so
// getPhlo/dropped counted 2 requests after a case that left a connection
// open and 1 where none was (a driver just started or restarted, a
// dropped connection just before), and --parallel 4 reported otherwise
// than --parallel 1 whenever the lanes' histories differed (issue 28).
// The lanes keep no connection open from one request to the next.
func TestCaseCarriesNothingFromTheCaseBefore(t *testing.T) {
	t.Parallel()
	pick := func(id string) certify.Case {
		cs, err := certify.Select(certify.Cases(), id)
		require.NoError(t, err)
		require.Len(t, cs, 1)
		return cs[0]
	}
	type got struct {
		Verdict  certify.Verdict
		Requests int
		Findings []certify.Finding
	}
	run := func(before []string) got {
		var cases []certify.Case
		for _, id := range before {
			cases = append(cases, pick(id))
		}
		cases = append(cases, pick("getPhlo/dropped"))
		r := helperRunner(t, "", 0)
		r.Seed, r.Parallel = 7, 1
		rep, err := r.Run(context.Background(), cases)
		require.NoError(t, err)
		require.Len(t, rep.Results, len(cases))
		res := rep.Results[len(cases)-1]
		require.Equal(t, "getPhlo/dropped", res.Case.ID)
		return got{res.Verdict, res.Requests, res.Findings}
	}
	alone := run(nil)
	assert.Equal(t, 1, alone.Requests, "getPhlo/dropped as a driver's first case: the requests, want one (no retry on a fresh connection)")
	for _, before := range [][]string{
		{"getPhlo/ok"},            // an answer: the connection could be kept
		{"getPhlo/not-json"},      // an error answer, the same
		{"hold/ok", "getPhlo/ok"}, // a POST, then a GET
		{"coldTransfer/dropped"},  // a dropped connection
	} {
		t.Run(strings.Join(before, "+"), func(t *testing.T) {
			assert.Equal(t, alone, run(before), "getPhlo/dropped after %v (right) and as the first case (left)", before)
		})
	}
}
