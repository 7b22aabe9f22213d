// Package flatjson reads the JSON bodies of the PHLO runner API, flat
// objects of plain strings, in one pass and several times faster than
// encoding/json: the fake's request and answer checks and verify's body
// criteria read every body through it first. It reads only what it can
// read exactly as encoding/json does, and says so; anything else (an
// escape, a number, a nested value, a duplicate key) is left to
// encoding/json by its caller.
//
// Files: flatjson.go.
package flatjson
