package wait_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/internal/wait"
)

// recorder is a testing.TB whose Fatalf is recorded instead of failing the
// test that runs Until.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r) // ends Until as FailNow ends a test
}

// until runs wait.Until against a recorder and returns its failure ("" when
// the condition held).
func until(within time.Duration, ok func() bool) (failed string) {
	r := &recorder{}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	wait.Until(r, within, "the thing", ok)
	return ""
}

func TestUntil(t *testing.T) {
	t.Run("never true fails, naming what", func(t *testing.T) {
		var calls atomic.Int32
		got := until(100*time.Millisecond, func() bool { calls.Add(1); return false })
		assert.Contains(t, got, "the thing")
		assert.Contains(t, got, "not within 100ms")
		assert.Greater(t, calls.Load(), int32(1), "asked again before giving up")
	})
	t.Run("true later passes", func(t *testing.T) {
		var calls atomic.Int32
		got := until(10*time.Second, func() bool { return calls.Add(1) == 3 })
		assert.Empty(t, got)
		assert.Equal(t, int32(3), calls.Load(), "stops asking once true")
	})
	t.Run("the condition runs in the test's goroutine", func(t *testing.T) {
		// A condition that fails the test (a helper's tb.Fatal) ends Until
		// at once, as require.Eventually's goroutine cannot.
		r := &recorder{}
		func() {
			defer func() { _ = recover() }()
			wait.Until(r, 10*time.Second, "x", func() bool { r.Fatalf("request failed"); return false })
		}()
		assert.Equal(t, "request failed", r.failed)
	})
	t.Run("UntilNil names the last error", func(t *testing.T) {
		r := &recorder{}
		n := 0
		func() {
			defer func() { _ = recover() }()
			wait.UntilNil(r, 50*time.Millisecond, "ready", func() error { n++; return fmt.Errorf("got %d, want 200", 500+n) })
		}()
		assert.Contains(t, r.failed, "ready")
		assert.Contains(t, r.failed, fmt.Sprintf("got %d, want 200", 500+n), "the last check's error")
	})
}
