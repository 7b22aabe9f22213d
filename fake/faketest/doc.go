// Package faketest runs phlomock's fake PHLO runner inside Go tests, the
// way net/http/httptest runs a handler: NewServer(t, cfg) builds the fake
// from cfg (a fake.Config: its zero value is the default account, every
// id, no scenario, state in memory), listens on a loopback port, gives the
// URL, the credentials and a Client that sends them, checks every answer
// of the fake against the contract (a scenario rule's answer is sent as
// written: it may break the contract on purpose), and closes itself when
// the test ends.
//
// NewServer(t, fake.Config{}, "bad-role") starts it with built-in
// scenarios active, as `phlomock serve --scenario` does; a name with a
// .yaml extension or a path separator is a scenario file of yours, and
// parsed scenarios go in Config.Active. Server.Director changes them during
// the test (Activate, Reset, Calls), and the control plane on AdminURL has
// the same routes as serve's. Config.Backend keeps the fake's state in
// Redis, as `phlomock serve --store redis://...` does. Server.PhloClient is
// the reference client (package client) already pointed at the fake.
//
// Server.Session(t) gives a test a fake of its own inside a shared one: a
// session with its own account, scenarios, counters, calls and journal,
// ended with the test. Parallel tests (t.Parallel) then share one fake and
// each sees only its own journal (docs/sessions.md).
//
// It has no options of its own: what can be said about the fake is said in
// fake.Config, and the fake is built with fake.New and Start, as programs
// build it. Start is NewServer for code that has no testing.TB (an
// Example) or checks the error.
//
// Files: server.go (Server, NewServer, Start, the clients, sessions).
package faketest
