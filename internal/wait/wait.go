package wait

import (
	"testing"
	"time"
)

// Interval is how often Until asks.
const Interval = 20 * time.Millisecond

// Until calls ok every Interval, in tb's goroutine, until it returns true;
// when within has passed and it has not, Until fails tb with what (what
// never became true) and ends the test.
func Until(tb testing.TB, within time.Duration, what string, ok func() bool) {
	tb.Helper()
	if tries, done := poll(within, ok); !done {
		tb.Fatalf("not within %v (%d tries): %s", within, tries, what)
	}
}

// UntilNil is Until for a check that says why it is not there yet: it
// calls check until it returns nil, and the failure names the last error
// (got 503, want 200), not only what was waited for.
func UntilNil(tb testing.TB, within time.Duration, what string, check func() error) {
	tb.Helper()
	var last error
	if tries, done := poll(within, func() bool { last = check(); return last == nil }); !done {
		tb.Fatalf("not within %v (%d tries): %s: %v", within, tries, what, last)
	}
}

// poll calls ok until it holds or within has passed.
func poll(within time.Duration, ok func() bool) (tries int, done bool) {
	deadline := time.Now().Add(within)
	for tries = 1; !ok(); tries++ {
		if time.Now().After(deadline) {
			return tries, false
		}
		time.Sleep(Interval)
	}
	return tries, true
}
