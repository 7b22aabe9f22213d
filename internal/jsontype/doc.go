// Package jsontype names Go types in JSON's words, for messages about a
// value of the wrong kind that must not name the parser's own types: the
// Postman importer's and phlomock driver's.
//
// Files: jsontype.go.
package jsontype
