// Package fake is the one way to build, run and stop phlomock's fake PHLO
// runner: New(doc, Config) assembles the data plane (package mockserver),
// the director of scenarios (package mockserver/director), the control
// plane and, through a Backend, the state several replicas share; Start,
// Serve and Close own its lifecycle. `phlomock serve`, `proxy`,
// `conform`, `certify` and the Go test helper (fake/faketest) all build it
// here, and nothing below it: they differ only in their Config.
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
// # Where capabilities plug in
//
// A capability of the fake is a Config field that New hands on, never
// another constructor. Per-test sessions are Config.Sessions: New builds
// director.Sessions around the default Director and makes it the data
// plane's Store; Close closes them. Outbound callbacks are
// Config.Callbacks, the dispatcher New gives the director. State that
// replicas must share grows the Backend by a group of methods (as the
// calls and counts are one, keyed by scope: a session is a scope of its
// own), and New adapts it for the director. A control plane route is one
// line in Config.Routes or in the director's route list; a wrapper of the
// API one entry of Config.Middleware.
//
// It reads no flags or environment (cmd/phlomock does); it reads the
// scenario files Config.Scenarios names, with Config.ReadFile.
package fake
