// Package kinerr walks the error trees kin-openapi returns from schema and
// request/response validation, so the fake (mockserver), conform (contract)
// and certify (certify) read them one way: each turns the leaves into its
// own vocabulary (mockserver.Violation, contract.Violation, a finding).
//
// Files: kinerr.go.
package kinerr
