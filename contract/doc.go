// Package contract is the conformance suite of the PHLO runner API: it
// derives cases from the OpenAPI spec (Generate), sends them to a target
// (Runner.Run) and checks every answer against the spec and the case's own
// expectations, reporting each deviation as a Violation with a stable code.
//
// Cases are plain values (Case): Generate derives them from the spec, and
// FromScenario converts a scenario's interactions, chained in a Sequence so
// that they run in order; other cases run eight at a time, and reports keep
// the order of the cases.
//
// The target may be phlomock's fake or Plivo's real deployment: the package
// links nothing fake, and only cases marked Safe run unless Runner.Live is
// set (the others place calls to real phones). `phlomock conform` is its
// command line; `go test ./contract` runs it against the in-process fake
// (TestScenarios: every built-in scenario's interactions on a fake serving
// that scenario), or elsewhere with -target, -auth-id, -auth-token,
// -phlo-id, -node-id, -live.
//
// # Files
//
//	constraints.go  Constraints: every rule of the contract, with its JSON pointer
//	derive.go       the coverage cases, constraint by constraint
//	enumwords.go    the words an enum is tried with outside it, derived from the contract
//	examples.go     maximal and large valid bodies, seeded fuzzing, the faulty fields of a body
//	regexgen.go     strings drawn from a pattern, and just outside it
//	generate.go     Generate: the hand-listed cases, then the derived ones
//	samples.go      a valid sample of a schema
//	run.go          Runner: sends the cases
//	check.go        the checks of one answer
//	invariants.go   strict JSON, charset, credentials, state refusals
//	shrink.go       shrinking a failing case; unique api_ids across a run
//	report.go, html.go  the text, JSON, JUnit and HTML reports; Replay
//	interactions.go FromScenario
//	case.go, violation.go  the types
//
// It is not a client (see package client) and it does not certify client
// implementations (see package certify): it judges servers.
//
// # What every answer is checked for
//
// No credential of the caller anywhere in it; a status the operation
// documents; the case's outcome (a request the API
// must refuse gets a 4xx, a read gets a 2xx) and exact status when it names
// one; Content-Type application/json; a JSON object body that matches the
// operation's schema for that status (kin-openapi's openapi3filter); api_id
// present, a UUID and unique across the run; the ids asked for echoed;
// strict JSON (no key twice, nothing after the value) and no charset but
// UTF-8; error "" (or absent) on a 2xx and a non-empty text otherwise;
// then the case's expected body fields and error text. A 400 that names
// any field really wrong in the request passes (Expect.AlsoNames). Every
// violation cites the constraint it comes from (Violation.Constraint).
//
// # Violation codes
//
// Codes are API: they keep their meaning across releases. Pointer is a JSON
// pointer into the answer seen as {"status", "headers", "body"}; it is empty
// for a transport violation, which has no answer to point into.
//
//	transport                 no usable answer: connection reset, timeout, unreadable body
//	status-undocumented       the status is not among the operation's documented responses
//	status-unexpected         the status is not the one (or the class) the case requires
//	accepted-invalid-request  a 2xx to a request the API must refuse
//	content-type              Content-Type is not application/json
//	body-not-json             the body is empty, not JSON, or not a JSON object
//	body-schema               the body does not match the documented schema for the status
//	api-id-missing            the body has no api_id
//	api-id-not-uuid           api_id is not a UUID string
//	error-empty-on-failure    a non-2xx whose error is missing, not a string or blank
//	error-set-on-success      a 2xx whose error is present and not ""
//	body-field                a body field the case expects is missing or different
//	error-text                the error text lacks what the case expects
//	error-field-unnamed       a 400 about one field whose error text does not name it
//	unknown-ids-accepted      the target answered every unknown PHLO and node id as if it existed
//	refused-valid-request     a request the contract says is valid got a 4xx other than a 400 for the
//	                          state of the call, or a 400 whose text calls something invalid
//	body-not-strict-json      a key twice in one object, or data after the JSON value
//	api-id-repeated           an api_id an earlier answer of the run already carried
//	id-not-echoed             a success property named like a path parameter (phlo_id, node_id)
//	                          that is not the id asked for
//	credential-leaked         the caller's Auth Token or Basic credentials anywhere in an answer
//
// When a specific check and the schema flag the same pointer (an api_id
// that is not a UUID, say), only the specific code is reported.
//
// unknown-ids-accepted is one finding for the whole run, in a result of its
// own (case target/unknown-ids-accepted), instead of an
// accepted-invalid-request per unknown-id case: a target that knows no ids
// at all (phlomock serve without --strict-ids) has one fault, and the
// finding says how to fix the run. A Runner's Waive list turns the codes
// it names into waived violations, kept in the report but not failing the
// case; docs/conformance.md says when that is right.
package contract
