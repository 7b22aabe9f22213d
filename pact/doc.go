// Package pact writes a journal of the fake as a Pact V4 consumer contract:
// one Synchronous/HTTP interaction per distinct request and answer, its
// provider state the scenario that answered, and a matching rule on each
// answer's api_id (a fresh UUID each time). A pact broker takes the file as
// a consumer contract, and PactFlow's bi-directional contract testing
// compares it with the provider's OpenAPI contract (docs/pact.md).
//
// It is the one writer of the format: GET /__admin/journal?format=pact
// (mockserver) and `phlomock pact export` (cmd/phlomock) both call Build.
// It imports nothing of the fake: callers hand it Exchanges.
//
// It is not a Pact implementation: Pact's own tooling (pact-core, the
// verifier) reads and replays what it writes, and the tests check that.
//
// Files: pact.go (Builder: a Pact file from journal exchanges) and
// journal.go (reading journal entries as the control plane serves them).
package pact
