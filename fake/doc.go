// Package fake is the one way to build, run and stop phlomock's fake PHLO
// runner: New(doc, Config) assembles the data plane (package mockserver),
// the director of scenarios (package mockserver/scripted), the control
// plane and, through a Backend, the state several replicas share; Start,
// Serve and Close own its lifecycle. `phlomock serve`, `proxy`,
// `conform`, `certify` and the Go test helper all build it here, and
// nothing below it: they differ only in their Config.
//
// The zero Config works: the default account, every well-formed id, no
// scenario active (the contract answers), state in memory. A Backend
// keeps the state where replicas share it (redisstore.Open returns one):
// the package that implements it builds nothing, and this one never
// imports it, so a program or test that keeps its state in memory links
// no Redis client.
//
// While it serves, the fake follows the other replicas' scenarios, keeps
// /readyz in step with the Backend (Ping), logs the journal entries the
// Backend could not take, and at Close writes the Backend's journal queue
// within FlushTimeout: written once, here, for every caller.
//
// Files:
//
//	config.go     Config, Limits, the Backend interface
//	fake.go       New, the Fake, its handlers (prefix mount, Front)
//	scenarios.go  Config.Scenarios: built-in names and files, NameError,
//	              Load (serve --watch)
//	serve.go      Start, Serve, Wait, Close: listening, the followers,
//	              readiness, the journal's flush
//
// # Where the next capabilities plug in
//
// Per-test sessions add a field to Config (the sessions' bound, their
// header) and a part to Backend, the way the calls are one: the calls and
// counts are already kept per scope, so a session is a scope of its own,
// and its journal entries carry the session's id; the director asks the
// Backend, never the transport. Outbound callbacks (events of a simulated
// call sent to a URL) add a Config field for the sender (its client,
// timeouts, retries) that New hands to the director next to the Backend;
// their deliveries are journaled like exchanges. Neither needs another
// constructor: New reads them from Config, and Close stops what they start.
//
// It reads no flags or environment (cmd/phlomock does); it reads the
// scenario files Config.Scenarios names, with Config.ReadFile.
package fake
