// Package redisstore keeps the fake's state in a Redis server shared by
// several replicas: Open parses a store URL (redis:// or rediss:// for
// TLS, with optional ACL user and password), dials with short bounded
// timeouts and checks the server answers (redisstore.go). The Store it returns is a
// fake.Backend (backend.go): it hands each part of the state to its Redis
// implementation, all on one client: CallStore (the simulated calls,
// calls.go), CounterStore (the rules' hits, for times and sequences,
// counters.go), StateStore (the active and loaded scenarios, followed by
// every replica, state.go) and Journal (the journal, a capped stream
// written off the request path: journal.go, journal_encode.go; read back,
// with internal/jsonread's Reader: journal_read.go, journal_decode.go; and
// the replicas' barrier before a read: journal_sync.go). scripts.go holds the Lua scripts,
// observe.go the hook that times every round trip (for the metrics),
// sessions.go the sessions every replica shares, outbox.go the callbacks a
// replica has queued and not sent, for another to take over, and
// generation.go how a store that lost its data (FLUSHALL, a restart without
// persistence) is detected: every read of the shared state checks the
// store's generation, and answers a *LostError until a reset.
//
// It implements and never assembles: it imports neither package fake nor
// the director, and builds no fake (fake.New does, given a Store as
// Config.Backend). It is not for parsing flags (cmd/phlomock does) and it
// never writes the store's password anywhere: Store.String and every error
// name the store by its redacted URL.
package redisstore
