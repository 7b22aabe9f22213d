// Package metrics counts what the fake does for Prometheus: the exchanges
// it answers (by operation, status and scenario), how long they take, the
// journal, the simulated calls, readiness and the Redis store's round
// trips, each fake its own counters (two fakes in one process never mix
// their counts). Handler serves them in Prometheus's text format, for
// `GET /metrics` on the control plane, with the Go runtime's and the
// process's figures under the names Prometheus's Go client gives them.
//
// It writes the format itself rather than through Prometheus's client
// library: linking that library cost every `phlomock serve` about 2 MiB of
// resident memory at start (its package initialisation registers the Go
// and process collectors, and its protobuf types come with it), a seventh
// of the start-up target (issue 31). Prometheus's own parser reads the
// output in the tests.
//
// Files: metrics.go (the counters, histograms and Observe), text.go (the
// text exposition).
//
// The request path pays only for counter and histogram updates
// (Metrics.Observe, a mockserver.Observer): the journal, the calls and
// readiness are read when someone scrapes, so a fake nobody scrapes pays
// nothing for them.
//
// It is not for the data plane's answers, and it reads no flags.
package metrics
