// Package callbacks sends the event callbacks of the simulated calls: the
// other half of a PHLO integration, what a multi-party call node posts to
// the URLs configured on it when members enter and leave, when a transfer
// redirects a member, and when the node completes or fails.
//
// Events (event.go) turns one transition of the call model (package
// mockserver/multiparty: an accepted action and the members it changed) into the
// events Plivo documents for the node, with the documented variables and
// ids that stay consistent: one call_uuid per member, one conference_uuid
// per node, one member_id per member. It is plain Go with no HTTP.
//
// SignV3 (sign.go) signs them as Plivo does (X-Plivo-Signature-V3 and its
// nonce), so that the official validators accept them unmodified.
//
// A Dispatcher (dispatch.go, sender.go) delivers them off the request path:
// a bounded queue (a full one drops and counts, never blocks), workers
// that keep each call's callbacks in order, a timeout and retries, an
// allow-list of addresses (loopback unless Config.Allow says more), the
// faults a scenario scripts (target.go: delay, drop, duplicate, reorder,
// bad signature, fail), and an outbound journal of every attempt
// (journal.go).
//
// What is documented by Plivo and what is phlomock's choice is listed in
// docs/callbacks.md. The package reads no flags or files.
//
// Files: also config.go (Config, Format and their parsing) and outbox.go
// (Outbox: the callbacks a replica queued, kept outside the process for
// another to send).
package callbacks
