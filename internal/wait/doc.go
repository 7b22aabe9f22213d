// Package wait is the one way a test waits for something that happens
// asynchronously (a replica following a change, a queue written, a
// process up): Until polls a condition until it holds and fails the test
// when it never does, so a test that waits passes only when the path it
// waits for ran.
//
// It is require.Eventually for conditions that take the test: Until calls
// the condition in the test's goroutine, so the condition may use helpers
// that call tb.Fatal (an HTTP request that must not fail), which
// require.Eventually, running it in a goroutine of its own, forbids. The
// bound is a ceiling well past what the path needs, never a timing the test
// asserts: a slow machine makes the test slower, not red.
//
// Files: wait.go (Until, and UntilNil for a check that can say what it
// saw).
package wait
