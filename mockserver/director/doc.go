// Package director puts scenarios (package scenarios) into the fake
// (package mockserver): a Director holds the active scenarios and is the
// fake's Store (the accounts, world and Responder each request is served
// from), and adds the control plane's routes for them. It builds no fake:
// package fake (fake.New) wires the two, and this package's tests build
// the fake there too.
//
// A request that passed the contract is answered, in this order, by
//
//	rules      the first rule of the active scenarios that matches (later
//	           scenarios first), its answer sent as written even where it
//	           breaks the contract (mockserver.Answer.Verbatim): an empty
//	           body, an HTML page with its Content-Type; a rule with no
//	           status only adds latency or headers and lets the request go on
//	calls      with a stateful scenario, node and member actions go through
//	           the call model (package mockserver/multiparty): a forbidden
//	           transition answers 400 {"api_id","error"}, an allowed one the
//	           contract's answer, its sequence number in the journal
//	contract   the fake's default answer
//
// The active set is one immutable compiled value behind an atomic pointer:
// Activate compiles and validates everything first, then swaps, so a bad
// scenario changes nothing and a request sees one set from start to end. A
// request that matches no rule of a stateless set costs one atomic load.
// The header X-Phlomock-Scenario: NAME answers one request from a built-in
// or loaded scenario instead (compiled at its first use, with counters and
// calls of its own); the world and accounts stay those of the active set.
//
// Control plane (Director.AdminRoutes): list and activate scenarios, upload
// one (YAML; every problem as file:line:column, 400, nothing changed),
// reset, inspect calls and their history, count journal entries matching a
// Pattern (POST /__admin/verify, WireMock's verification), and the
// dashboard (package mockserver/dashboard) at /__admin/ui/.
//
// Defaults and files (defaults.go): Reset brings the fake back to the
// scenarios it started with, Rewind only starts their counters and calls
// over, ActivateFor limits an activation to the next requests, and
// CheckFile reads a scenario file as every command does.
//
// Sessions (sessions.go: the registry and lifecycle; sessions_state.go: the
// Store, which session a request is in; sessions_store.go: sessions shared
// by replicas; sessions_admin.go: their routes): each test may have a fake of
// its own inside the shared one. The fake's Store is Sessions (NewSessions
// around the default Director): a request
// whose account is a session's (Auth ID "MASN" and the session id), or that
// names one in the X-Phlomock-Session header, is served by that session's
// own Director (scenarios, uploads, rule counters, calls) and journaled in
// its own journal; every other request by the default session, the
// Director, as without sessions. The control plane's
// routes act on the session that ?session=ID or the header names (POST
// /__admin/sessions creates one with a fresh account, DELETE ends it, a TTL
// without requests ends it too); a session that is not live is refused
// with a 4xx naming it, never served by the default session. A session's
// account is what its callbacks are signed with: Director.Account on the
// session's Director, or Sessions.Account(id).
//
// Files: director.go (Options, the stores, New, what is active),
// compile.go (scenarios to a set: validation, rules, calls, counters),
// activate.go (changing the active and loaded scenarios), respond.go
// (answering a request from its set: accounts, world, rules, calls),
// shared.go (the state replicas follow), defaults.go, admin.go (the
// control plane's scenario and call routes), admin_json.go (their strict
// JSON bodies and error pages), listing.go (every listing paged and
// bounded in bytes, as the journal is), verify.go (Pattern, the journal's matcher),
// history.go (a call's history), contract.go (the contract's operations,
// for CheckFile), callbacks.go and callbacks_admin.go (the webhooks a call's
// changes send, and their routes), and the sessions files above.
//
// It reads no files, flags or environment: cmd/phlomock parses the files
// (--scenario, --watch) and hands scenarios over.
package director
