package certify_test

import (
	"bytes"
	"context"
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
		// lane or four. Nor no-timeout: the retry its HTTP transport sends
		// after getPhlo/dropped's dropped connection was counted in one run
		// of 2 and not in the other (CI, 7 December): a race between the
		// dropped request's journal entry and the case's read, open.
		{"reference", 0}, {"", 0}, {"sticky-config", 0}, {"dedupe-repeat", 0},
		{"hangup-forgets", 0}, {"idempotent-actions", 0}, {"retry-after-seconds-only", 0},
		{"ascii-only-payload", 0},
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
