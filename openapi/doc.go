// Package openapi holds phlomock's contract: the OpenAPI 3 description of the
// PHLO runner API, embedded in the binary, and the Postman collection and
// overlay it is derived from.
//
// The spec is generated, never edited by hand: `go generate ./...` runs
// `phlomock derive` on phlorunner.postman_collection.json and applies
// phlorunner.overlay.yaml. The derivation itself lives in the subpackages
// (postman reads collections, derive turns them into OpenAPI, overlay applies
// OpenAPI Overlay 1.0 documents); this package serves the result (Load,
// Parse, YAML) and chains the three (Generate), for `phlomock derive` and for
// the drift test that keeps phlorunner.yaml equal to its sources.
//
// Load does not parse the YAML: phlorunner_gen.go, generated from it by the
// same `go generate` (TestContractGo -update), builds the document in Go,
// which keeps kin-openapi's YAML loader off `phlomock serve`'s start-up.
// TestContractGo and TestLoadIsYAML fail when the two drift apart.
//
// The contract's operation ids are named once, in operations.go (OpGetPhlo,
// ..., OperationIDs): Go code that needs one uses the constant.
//
// It is not a general OpenAPI toolkit: kin-openapi is.
//
// Files: spec.go (YAML, Load), operations.go (the operation ids), generate.go
// (Generate: collection and overlay to a spec) and phlorunner_gen.go
// (generated).
package openapi
