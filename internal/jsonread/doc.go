// Package jsonread is phlomock's one fast JSON reader: a Reader that reads a
// JSON text token by token, in place, several times faster than
// encoding/json, for the few hot paths that read JSON of a known shape
// (reader.go: delimiters, literals, numbers, any value checked and kept as
// text; string.go: strings, unescaped as encoding/json does). flat.go reads
// with it the JSON bodies of the PHLO runner API, flat objects of plain
// strings, without allocating: the fake's request and answer checks,
// verify's body criteria and the proxy's drift check read every body
// through Parse or Scan first. The Redis journal reads its entries with a
// Reader.
//
// Every read gives exactly what encoding/json would, or says it cannot
// (ok=false), and its caller then uses encoding/json: it is a fast path,
// never a second meaning of JSON. It is not a general decoder (no
// reflection, no struct tags) and reports no syntax errors of its own.
//
// Its writing counterpart is internal/jsonstr, the one JSON string escaper.
//
// Files: reader.go, string.go, flat.go.
package jsonread
