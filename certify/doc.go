// Package certify certifies a PHLO runner client written in any language:
// it runs the client, through a driver (package certify/driver and
// docs/driver-protocol.md), against an in-process fake (package
// mockserver) and judges every case on what the client SENT and what it
// SURFACED.
//
// # A run
//
// Runner.Run starts one fake and Runner.Parallel lanes (lane.go, pass.go),
// each a driver process with two loopback addresses of its own on the
// fake; a lane runs its cases one at a time, the lanes side by side, and
// each result goes to its case's place, so the report is the same whatever
// Parallel is. Each case runs in a session of its own (package
// mockserver/director): the lane names it in X-Phlomock-Session on every
// request it receives, activates the case's scenario there (one rule that
// answers the case's operation, and only it, with the case's error; none
// for the success cases), sends the call to the driver and reads the
// journal entries the call produced. The fake is
// strict about nothing the SDKs legitimately do (trailing slashes, a
// Content-Type on a GET, reading the PHLO and node before an action): a
// request that works against the real API works here, and the judgement
// is made afterwards, on the raw request.
//
// # Cases
//
// Cases lists them, in order (52 in all):
//
//	OP/ok               every operation of the protocol with valid input
//	                    (the node actions with a role)
//	OP/no-role          call, warmTransfer, coldTransfer without a role: the
//	                    client must leave it out or send the default "agent"
//	runPhlo/no-payload  a run without data: no body, or a JSON object
//	hold/sip-address    a member address that is a SIP URI, raw in the path
//	hold/twice, unhold/before-hold, hold/before-call, hold/after-hangup,
//	hangup/twice        member actions repeated and reordered on a
//	                    simulated call (Sequence): the client makes each
//	                    call, and the call model (package
//	                    mockserver/multiparty) accepts or refuses each, as
//	                    Case.Expect says; each call is judged on its own
//	OP/TROUBLE          on getPhlo, coldTransfer and hold (a read, a node
//	                    action, a member action, so that a client failing
//	                    early on one kind is still judged on the others):
//	  bad-role, bad-request  400 with Plivo's "Invalid value provided for ..."
//	  auth-failure      401
//	  unknown-phlo      404
//	  rate-limited      429 with Retry-After: 1
//	  rate-limited-date 429 with Retry-After as an HTTP date (RetryAtDelay)
//	  server-error      500
//	  empty-body        400 with no body at all
//	  not-json          502 with a text/html body
//	  dropped           the connection closed without an answer
//	getPhlo/slow        the contract's success after SlowDelay (1.5 s)
//	getPhlo/switched-account  the call on the fake's second address with
//	                    a second account's credentials
//	getPhlo/no-answer   last: no answer for longer than the client's
//	                    timeout budget (timeout_ms in protocol 2)
//
// The last three run on the first operation the client offers when it
// does not offer getPhlo. Every case's values are drawn with Runner.Seed
// from ValueSpace (Vary): ids of its own per case, every form of member
// address, to and trigger_source, payload texts that need escaping.
//
// A failed case is shrunk (shrink.go): run again with smaller valid
// inputs, fewer calls in a sequence and plainer values, and the smallest
// that fails with the same codes is reported (Result.Shrunk) with the
// command that replays the case.
//
// Select filters them with globs (`phlomock certify --cases`). Cases of an
// operation the driver's hello does not list, or that the driver answers
// "unsupported", are skipped, not failed.
//
// # Findings
//
// Each finding has a stable code (treat codes as API) and a deterministic
// text: the fake's fresh api_ids are never quoted, so two runs of the same
// client give the same report. The SENT side is judged on the journal
// entry of the case's operation (the last one; reads of the same PHLO and
// node before it, and retries after a 429 or 5xx, are fair):
//
//	sent-nothing               no request at all (the client failed before
//	                           sending: a TypeError, its own validation)
//	sent-wrong-operation       requests, but never the case's operation
//	sent-contract-violation    the request breaks a strict reading of the
//	                           contract: the fake refused it, or it sent
//	                           "role":"" (an absent property takes its
//	                           documented default; "" and null are values),
//	                           or a body that is not a JSON object
//	sent-no-auth               no HTTP Basic credentials
//	sent-wrong-content-type    a body not sent as application/json
//	sent-wrong-value           a path parameter, the Basic user or a body
//	                           field differs from what the case gave, or a
//	                           role other than "agent" sent though none was
//	                           given
//	sent-stray-field           a body field the case did not give
//	sent-extra-requests        a request besides the operation, the reads
//	                           before it and retries
//	sent-body-on-bodiless      a body on an operation without one (a GET)
//	sent-action-retried        an action (a POST) sent again after a 5xx or
//	                           no answer: its outcome was unknown
//	sent-retry-too-soon        a retry sooner than the 429's Retry-After,
//	                           less RetryAfterTolerance
//	sent-undeclared-query      a query parameter the contract does not
//	                           declare
//	sent-credentials-exposed   the Auth Token anywhere but the
//	                           Authorization header
//	sent-wrong-host            a Host header that is not the base URL's
//	sent-stale-config          switched-account: the base URL or Auth ID
//	                           of the calls before
//	sent-after-return          a request of the case that arrived after its
//	                           call returned (by the case's own PHLO id)
//
// Reads may be retried after a 429, a 5xx or no answer; actions only after
// a 429 (refused, so not performed), never after a 5xx or a dropped
// connection: the first attempt may have happened and the API has no
// idempotency key. No finding quotes the Auth Token.
//
// The SURFACED side is judged on the driver's result against the answer
// the fake actually gave (status and body as sent on the wire), not the
// case's intent:
//
//	surfaced-no-api-id               success without the answer's api_id
//	surfaced-wrong-field             a surfaced field (api_id, phlo_id, name,
//	                                 ...) differs from the answer's
//	surfaced-error-on-success        an error for a 2xx answer
//	surfaced-success-on-error        a success for a non-2xx answer
//	surfaced-success-without-request a success though nothing was sent
//	surfaced-no-status               an error without the HTTP status
//	surfaced-wrong-status            an error with another status
//	surfaced-no-message              an error whose message does not carry
//	                                 the answer's "error" text
//	driver-error                     the driver failed, not the client
//	client-timeout-too-short         slow: the client gave up on a valid
//	                                 answer that came after SlowDelay
//	client-credentials-in-output     the Auth Token in an error message, a
//	                                 field or the driver's standard error
//	client-no-timeout                getPhlo/no-answer: the driver gave no
//	                                 result within its call timeout; it is
//	                                 restarted and the run goes on
//
// A case passes with no finding, fails with any. A client is certified
// when no case fails and at least one passes. A driver that breaks the
// protocol, hangs or exits stops the whole run (Run's error), not a case;
// Run still returns the report, with the verdicts reached and Report.Stop
// saying where and why, and what the fake saw in that case.
//
// # Reports
//
// WriteText (findings, then the summary table: case, verdict, findings),
// WriteJSON, WriteJUnit (one testcase per case, <skipped/> for skipped
// ones) and WriteMarkdown (the pages kept in docs/certification/). Only
// the JUnit report holds times.
//
// It is not the driver protocol (package certify/driver) nor the
// conformance suite of a server (package contract): it judges clients.
//
// Files: run.go (Runner.Run: the cases against a driver), pass.go (the
// cases on parallel lanes, in case order), lane.go (a lane: its addresses,
// sessions and journal), case.go (the
// cases), sequence.go (the repeated and reordered member actions, and what
// the call model answers them), values.go (the value space they draw
// from), shrink.go (a failed case shrunk to its smallest failing input), contract_index.go (each
// operation's route and schemas, from the contract), fake.go (the run's one
// fake) and scenario.go (each case's scenario), judge.go and
// judge_requests.go (what the client sent, judged), clientchecks.go (the
// checks on time, configuration and output), finding.go (Code and Finding),
// report.go (Report and its verdicts; the text, JSON, JUnit and Markdown
// reports, printed with internal/report) and html.go (the HTML report).
package certify
