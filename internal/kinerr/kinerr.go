package kinerr

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Walk calls leaf for each error of the tree under err, in order. A
// MultiError, at any depth of wrapping, is opened; a RequestError about a
// parameter is a leaf, read with its parameter (it wraps the MultiError of
// that parameter's schema); anything else is a leaf, a *SchemaError among
// them (see Schema). A nil err calls nothing.
func Walk(err error, leaf func(error)) {
	if err == nil {
		return
	}
	if re, ok := err.(*openapi3filter.RequestError); ok && re.Parameter != nil {
		leaf(err)
		return
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			Walk(e, leaf)
		}
		return
	}
	leaf(err)
}

// Schema returns the schema error err is or wraps, or nil.
func Schema(err error) *openapi3.SchemaError {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// Pointer is the RFC 6901 JSON pointer of a schema error's value inside
// the document validated: "" for the whole document, "/to", "/members/0".
func Pointer(se *openapi3.SchemaError) string {
	var b strings.Builder
	for _, p := range se.JSONPointer() {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
