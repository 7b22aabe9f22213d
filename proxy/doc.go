// Package proxy puts phlomock between an application and the real PHLO
// runner API: every request is forwarded to the target unchanged (but for
// Host and the hop-by-hop headers) and its answer streamed back unchanged,
// and then the exchange is checked, in-process:
//
//	contract   the request and the real answer against the contract, by
//	           the fake's own validation (mockserver.Server.Simulate and
//	           CheckAnswer): the same codes as the fake's
//	drift      the real answer against the answer the fake would have
//	           given (with the active scenarios), field by field: status,
//	           Content-Type, fields added or removed, JSON type, class of
//	           value (Class: two different api_ids are both UUIDs, no
//	           drift), error text (Diff)
//	journal    the exchange, with the real answer and every violation, in
//	           the fake's journal (GET /__admin/journal)
//	report     counted and grouped by operation and difference, with the
//	           fake's option that explains it when one does (Report,
//	           GET /__admin/drift, WriteText, WriteJSON, WriteJUnit)
//	record     with Options.Record, what was seen as a version 1 scenario
//	           file the fake replays (Recorded, POST /__admin/record)
//
// The fake side is asked with credentials it accepts when the target
// accepted the application's (it cannot know the real account's token).
// The fake is asked without effect (a dry run): its rules' counters and a
// stateful scenario's calls do not move, unless Options.Stateful.
//
// Safety: a plain-http target that is not loopback is refused unless
// Options.InsecureTarget; a target that does not answer within
// Options.Timeout gets the application a 504, one that fails a 502, both
// JSON in the fake's error shape, logged with the cause. Auth Tokens never
// reach the journal, the logs, the report or a recording; a recording
// replaces the Auth IDs it saw by the fake's default one.
//
// It is not a general HTTP proxy (no tunnel for CONNECT, one target) and
// reads no flags, environment or files: cmd/phlomock's proxy command does.
//
// Files: proxy.go (forward, then check), body.go (reading bodies), drift.go
// (Diff, Class), report.go (Report and its writers), admin.go (the control
// plane's routes), secrets.go (masking), record.go (the recorder and
// Recorded, which writes with scenarios.Marshal and lists in comments what
// the format cannot say), recordfile.go (world, rules and interactions
// from the exchanges), redact.go (Auth IDs and --record-redact's
// placeholders).
package proxy
