// Package mockservertest runs phlomock's fake PHLO runner inside Go tests,
// the way net/http/httptest runs a handler: NewServer(t) listens on a
// loopback port, gives the URL, the credentials and a Client that sends them,
// checks every answer of the fake against the contract (a scenario rule's
// answer is sent as written: it may break the contract on purpose), and
// closes itself when the test ends.
//
// WithScenario("bad-role") starts it with built-in scenarios active, as
// `phlomock serve --scenario` does, WithScenarioFile with a file of yours and
// WithScenarioYAML with one written in the test; Server.Director changes them during the test
// (Activate, Reset, Calls) and the control plane on AdminURL has the same
// routes as serve's. WithStore keeps the fake's state in Redis, as
// `phlomock serve --store redis://...` does. Server.PhloClient is the reference client (package
// client) already pointed at the fake.
//
// Server.Session(t) gives a test a fake of its own inside a shared one: a
// session with its own account, scenarios, counters, calls and journal,
// ended with the test. Parallel tests (t.Parallel) then share one fake and
// each sees only its own journal (docs/sessions.md).
//
// It is for tests. It builds the fake with package fake, as programs do
// (fake.New, then Start or Serve).
package mockservertest
