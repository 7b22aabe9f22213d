// Command phlomock is a validating fake of Plivo's PHLO runner API, the tool
// that derives its contract from Postman collections, and a conformance and
// certification suite for the API and its clients. Run `phlomock help`.
//
// Files: main.go, stack.go and run.go (main wires signals and exit codes
// and grows the stack start-up needs at once; Main.Run
// dispatches the subcommands), one file per subcommand: serve.go (with
// serve_flags.go, serve_scenarios.go, serve_watch.go, serve_callbacks.go and
// limits.go for its flags, scenarios, --watch reloads, callbacks and
// connection bounds), proxy.go, conform.go, certify.go, driver.go, derive.go,
// scenarios.go, coverage.go, pact.go, healthcheck.go and version.go; and what
// they share: flags.go (flag sets that report their errors), readfile.go
// (reading the files users name), spec.go (the spec to serve) and
// adminclient.go (reading a running fake's control plane). Each command
// that writes reports lists its outputs (--report, --junit, --html...)
// once and internal/report writes them.
package main
