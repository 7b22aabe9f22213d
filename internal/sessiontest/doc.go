// Package sessiontest runs one test's worth of traffic against a fake, in a
// session or alone, and returns what it answered with the random parts
// (api_ids, times) masked: the tests of sessions compare the transcripts of
// 16 sessions on one fake with those of 16 separate fakes, in memory and on
// Redis with several replicas.
//
// It is test support only: nothing outside _test.go files imports it.
//
// Files: sessiontest.go.
package sessiontest
