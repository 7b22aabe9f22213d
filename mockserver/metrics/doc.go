// Package metrics counts what the fake does for Prometheus: the exchanges
// it answers (by operation, status and scenario), how long they take, the
// journal, the simulated calls, readiness and the Redis store's round
// trips, on a registry of its own (not Prometheus's global one, so two
// fakes in one process never mix their counts). Handler serves them in
// Prometheus's text format, for `GET /metrics` on the control plane.
//
// The request path pays only for counter and histogram updates
// (Metrics.Observe, a mockserver.Observer): the journal, the calls and
// readiness are read when someone scrapes, so a fake nobody scrapes pays
// nothing for them.
//
// It is not for the data plane's answers, and it reads no flags.
package metrics
