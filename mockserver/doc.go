// Package mockserver is phlomock's validating fake of the PHLO runner API: an
// http.Handler built from any OpenAPI 3 document (*openapi3.T) that serves
// every operation of it, checks each request against the contract and
// answers in the real API's style.
//
// A request goes through one pipeline (Server.pipeline, server.go, reads as
// its table of contents), in this order, each step in the file named after
// it:
//
//	route     route.go     strip one trailing slash, match an operation
//	                       (404 naming the closest one, closest.go, and
//	                       the documented path a near miss meant or where
//	                       the control plane is, notfound.go; 405 +
//	                       Allow); an id that cannot name a resource is a
//	                       404 that does not echo it
//	body      body.go      read the body, up to Options.MaxBodyBytes (413),
//	                       even for a request refused already: the journal
//	                       keeps what was sent
//	state     state.go     the request's accounts, world, Responder and
//	                       journal, from Options.Store once for the whole
//	                       request (503 on error; a Store's RequestError,
//	                       such as a session that ended, answers as itself)
//	auth      auth.go      HTTP Basic against the state's Accounts,
//	                       constant-time (401), unless the operation's
//	                       security allows anonymous calls
//	validate  validate.go  the real API's leniencies (415 for a non-JSON
//	                       body): a "", null or missing property with a
//	                       default (role) takes the default; an empty or ""
//	                       run body is no body; each one applied is recorded
//	                       in the journal entry, next to the raw body. Then
//	                       parameters and security with
//	                       openapi3filter.ValidateRequest, the body against
//	                       the schema its discriminator (action) selects
//	                       (flat bodies in one pass, validate_flat.go);
//	                       every violation is reported, in Plivo's wording
//	                       (400)
//	world     world.go     with Options.StrictIDs, PHLOs and nodes the
//	                       state's World does not declare answer 404
//	respond   respond.go   the state's Responder may answer instead
//	                       (scenarios, stateful calls): status, body, delay,
//	                       dropped connection
//	render    render.go    otherwise the default answer built from the spec;
//	                       a refusal at any step is rendered here too
//	finish    finish.go    with Options.ValidateResponses, the answer is
//	                       checked against the spec (a wrong one becomes a
//	                       500 naming the violation; not a Responder's
//	                       Verbatim answer: it is deliberate); then it is
//	                       written and appended to the Journal (journal.go),
//	                       bounded in entries (Options.JournalSize) and in
//	                       bytes: of each body and answer it keeps the first
//	                       Options.JournalBodyLimit bytes
//
// The other files: server.go (Options, New, the pipeline), compile.go (what
// New precomputes from the spec), security.go (the spec's security schemes,
// compiled for auth), errors.go (codes and their statuses); the journal:
// journal.go (the ring and Entry), journal_read.go (Filter, pages, sizes),
// journal_shared.go (a journal shared by replicas through a JournalStore),
// journal_pact.go (the journal as a Pact file), redact.go and secrets.go
// (credentials kept out of the journal and logs, Mask); the control plane:
// admin.go and controlplane.go (its handlers, and its gorilla/mux router
// with the --admin-prefix mount) and crosssite.go (its Host, Origin and
// Content-Type checks against browsers); the connection: limits.go (the
// bounds serve sets), slowbody.go (BodyFirst: a body read before a
// request takes a slot) and framing.go (a connection closed after an
// ambiguous chunked request); and simulate.go (Simulate: the answer the
// fake would give, without effect, for the proxy).
//
// Every answer the fake builds, success or error, is JSON with an "api_id" (a
// fresh UUID v4), Content-Type application/json, and a trailing newline.
// Errors are {"api_id","error"}; see Code for the statuses. A Responder may
// send anything else on purpose: an empty body, another Content-Type.
//
// # Seams
//
// Other packages shape the fake without this one importing them, through
// two seams. The control plane (AdminHandler, AdminPrefix) takes extra routes, so
// scenario activation or call inspection are added by the caller, in one
// visible list. And Options.Store gives each request its state.
//
// # The Store: the state a request is served from
//
// A Store is asked once per request, after routing and reading the body and
// before the credential check, for a State: the Accounts that may call
// (which Auth IDs exist and their tokens), the World (which PHLOs and nodes
// exist, and their names) and the Responder (which may answer instead of
// the spec: status, body, delay, dropped connection). A nil Store, or a
// State used as a Store, is static: the zero-value Options{} is the
// default account, every id, the spec's answers. Package director's
// Director is the Store of the fake with scenarios; a store shared by
// several replicas (state kept in Redis) implements the same interface.
// An implementation must keep to this:
//
//   - Consistent within one request. The State returned serves the whole
//     request: the account that let it in, the world that named its PHLO
//     and the rules that answered it come from the same version of the
//     state. A scenario switch while the request is in flight is seen by
//     the next request, never by half of this one.
//   - Free to change between requests. Two requests may see different
//     states, even two in flight at once; nothing orders them but the
//     Store. Counters and call state inside a Responder (a rule that
//     answers three times, a call's members) are the Responder's own and
//     change as it answers.
//   - Safe for concurrent use. State is called from many goroutines at
//     once, as are the Accounts, World and Responder it returns.
//   - Cheap, and bounded. State is on the hot path of every request: it
//     should cost an atomic load, not a round trip, when nothing changed;
//     one that must reach a remote store bounds the wait by r's context.
//     An error (a store that went away) answers 503 with its text (code
//     unavailable), journaled like any other answer, never a hang.
//
// Everything that depends only on the spec (router, selected schemas,
// defaults, answer templates) is computed once, in New. The common valid
// body (a flat JSON object of strings) is parsed in one pass and checked
// against schemas compiled there; any other body goes through encoding/json
// and kin-openapi, which word every violation (validate_flat.go).
//
// It is not a general OpenAPI mock server (Prism is): the answers know the
// PHLO API's conventions (ids echoed from the path, run ids, timestamps).
// It reads no flags, environment or files: cmd/phlomock does.
package mockserver
