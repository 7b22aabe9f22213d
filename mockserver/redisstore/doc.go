// Package redisstore connects the fake to a Redis server shared by several
// replicas: Open parses a store URL (redis:// or rediss:// for TLS, with
// optional ACL user and password), dials with short bounded timeouts and
// checks the server answers. It holds the connection and the key prefix that
// the Redis implementations of the fake's state use, so they share one
// client: CallStore (the simulated calls), CounterStore (the rules' hits,
// for times and sequences), StateStore (the active and loaded scenarios,
// followed by every replica) and Journal (the journal, a capped stream
// written off the request path). NewServer builds a fake with all four,
// as serve does.
//
// It is not for parsing flags (cmd/phlomock does) and it never writes the
// store's password anywhere: Store.String and every error name the store by
// its redacted URL.
package redisstore
