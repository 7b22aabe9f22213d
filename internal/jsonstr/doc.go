// Package jsonstr writes JSON strings without allocating: the one escaper
// of phlomock's hand-written JSON (the fake's answers and error bodies,
// scenario body templates, the Redis journal's entries). What it writes
// with html set is byte for byte what encoding/json writes; without it,
// <, > and & are kept as they are (a journal entry of a body of "<" stays
// one byte a character, not six).
//
// Files: jsonstr.go.
package jsonstr
