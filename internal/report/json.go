package report

import (
	"encoding/json"
	"io"
)

// HTML says whether JSON writes <, > and & as they are or escaped.
type HTML bool

const (
	// EscapeHTML writes <, > and & as \u003c, \u003e and \u0026, as
	// encoding/json does by default.
	EscapeHTML HTML = true
	// KeepHTML writes them as they are.
	KeepHTML HTML = false
)

// JSON writes v as one JSON document indented by two spaces and ended by a
// newline, the shape of every --report json.
//
// The reports differ in html, and each keeps its own so that their
// output stays byte for byte what it was: contract, coverage and proxy
// escape, certify keeps.
func JSON(w io.Writer, v any, html HTML) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(bool(html))
	return enc.Encode(v)
}
