// Package mockserver is phlomock's validating fake of the PHLO runner API: an
// http.Handler built from any OpenAPI 3 document (*openapi3.T) that serves
// every operation of it, checks each request against the contract and
// answers in the real API's style.
//
// A request goes through one pipeline, in this order:
//
//	route      strip one trailing slash, match an operation (404, 405 + Allow)
//	read       the body, up to Options.MaxBodyBytes (413)
//	auth       HTTP Basic against Options.Accounts, constant-time (401),
//	           unless the operation's security allows anonymous calls
//	normalise  the real API's leniencies (415 for a non-JSON body): a
//	           "", null or missing property with a default (role) takes the
//	           default; an empty or "" run body is no body. Each one applied
//	           is recorded in the journal entry, next to the raw body.
//	validate   parameters and security with openapi3filter.ValidateRequest,
//	           the body against the schema its discriminator (action)
//	           selects; every violation is reported, in Plivo's wording (400)
//	exists     with Options.StrictIDs, unknown PHLOs and nodes answer 404
//	respond    Options.Responder may answer instead (scenarios, stateful
//	           calls); otherwise the default answer built from the spec
//	check      with Options.ValidateResponses, the answer is checked against
//	           the spec; a wrong answer becomes a 500 naming the violation
//	           (not a Responder's Verbatim answer: it is deliberate)
//	journal    the exchange is appended to the Journal, bounded in entries
//	           (Options.JournalSize) and in bytes: of each body and answer
//	           it keeps the first Options.JournalBodyLimit bytes
//
// Every answer the fake builds, success or error, is JSON with an "api_id" (a
// fresh UUID v4), Content-Type application/json, and a trailing newline.
// Errors are {"api_id","error"}; see Code for the statuses. A Responder may
// send anything else on purpose: an empty body, another Content-Type.
//
// # Seams
//
// Three small interfaces let other packages shape the fake without this one
// importing them: Accounts (which Auth IDs and tokens exist), World (which
// PHLOs and nodes exist, and their names) and Responder (answer an exchange
// instead of the spec's default: status, body, delay, dropped connection).
// The control plane (AdminHandler) takes extra routes, so scenario activation
// or call inspection are added by the caller, in one visible list.
//
// Everything that depends only on the spec (router, selected schemas,
// defaults, answer templates) is computed once, in New. The common valid
// body (a flat JSON object of strings) is parsed in one pass and checked
// against schemas compiled there; any other body goes through encoding/json
// and kin-openapi, which word every violation (fastpath.go).
//
// It is not a general OpenAPI mock server (Prism is): the answers know the
// PHLO API's conventions (ids echoed from the path, run ids, timestamps).
// It reads no flags, environment or files: cmd/phlomock does.
package mockserver
