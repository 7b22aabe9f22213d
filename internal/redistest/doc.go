// Package redistest starts a real redis-server for a test: on a free
// loopback port, in the test's temp dir, with persistence off, stopped by
// PID when the test ends. Without redis-server on PATH the test skips, or
// fails when PHLOMOCK_REQUIRE_REDIS=1 (as CI sets).
//
// It is test support only: nothing outside _test.go files imports it.
//
// Files: redistest.go.
package redistest
