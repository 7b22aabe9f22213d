// Package client is the reference Go client of Plivo's PHLO runner API: run a
// PHLO, read a PHLO and its multi-party call node, and act on the call (call,
// warm and cold transfer) and on its members (abort a transfer, hold, unhold,
// hang up, resume, drop a voicemail).
//
// It is written by hand to read well, and kept honest by a test that compares
// its table of operations with the contract (openapi/phlorunner.yaml): every
// operation and action of the spec has a method with the same HTTP method,
// path and JSON fields, and every method has an operation in the spec.
//
// It uses the standard library only, takes a context on every call, and
// reports every non-2xx answer as an *APIError, whatever its body holds (JSON,
// something else, or nothing), so that errors.Is(err, ErrNotFound) and
// friends work. Retrying on 429 and 5xx is opt-in (WithRetry).
//
// It is not an SDK for the rest of Plivo's API, and it validates nothing
// itself: the server judges the input, and the client surfaces its answer.
//
// Files: client.go (New, the options, the methods), operations.go (the table
// of operations the methods take their method, path and action from) and
// errors.go (APIError and its sentinels).
package client
