// Package sdktest finds, checks and builds the certification drivers in
// certify/drivers for the tests that run them (certify, certify/driver,
// mockserver/director), so the rules for a missing tool are the same
// everywhere: skip, or fail when PHLOMOCK_REQUIRE_SDKS=1 (as CI sets).
// sdktest.go holds those; receiver.go starts the webhook receivers of
// callbacks/testdata, which check the fake's event callbacks with
// plivo-go's and plivo-node's own signature validators.
//
// It is test support only: nothing outside _test.go files imports it.
package sdktest
