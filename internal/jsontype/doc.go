// Package jsontype names JSON kinds, once for phlomock: Name for what a Go
// type decodes from (the Postman importer's, the control plane's and the
// drivers' messages about a value of the wrong kind, which must not name
// the parser's own types), Of for a decoded value (the proxy's drift
// report, the conformance suite's findings).
//
// Files: jsontype.go.
package jsontype
