// Command run is phlomock's loopback benchmark (make bench): it measures the
// fake against the least a server of the same endpoint could do, the bare
// handler in bench/baseline, in one run on one machine, so that the ratio
// means something on a noisy shared box where absolute figures do not.
//
// It starts phlomock (built by make build, with validation, auth, the active
// scenario and the journal on) and the baseline on free loopback ports, loads
// each with the same tool (wrk with cold_transfer.lua when installed, else a
// Go load generator of its own) posting the seed's cold transfer with Basic
// auth, in interleaved rounds whose order rotates, and reads each server's
// RSS from /proc after start and after the load. It also times start-up,
// from exec to the first answered request, over several runs. With Prism
// installed (or PRISM=1 to npm-install it) Prism is measured too, serving
// openapi/phlorunner.yaml; with WireMock's jar installed (or WIREMOCK=1 to
// npm-install the wiremock package, which holds it) and java on PATH,
// WireMock too, serving the seed's stub in its best configuration
// (wiremock.go). A long mode (BENCH_REQUESTS=1000000) keeps loading
// until each Go server has answered that many requests and reads RSS again.
//
// It prints a markdown report, ratios to the baseline and the targets
// included, and exits 0 whatever the figures: it is a benchmark, not a test.
// Targets are never asserted by timed tests.
//
// Files: main.go (settings, the run's steps), server.go (starting and
// probing a server), load.go (wrk and the Go load generator), inprocess.go
// (the go test -bench pairs), report.go, redis.go (the run's redis-server),
// prism.go and wiremock.go (the peers, npm-installed).
//
// It is not a load-testing tool for users, and it only ever listens and
// connects on 127.0.0.1.
package main
