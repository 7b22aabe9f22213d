// Package formats holds the string formats the contract's schemas use and
// kin-openapi does not check by itself: kin-openapi skips `format: uuid`
// unless a validator is registered. Formats are passed per validation
// (openapi3.WithStringFormatValidator), never registered globally, so that
// a program embedding phlomock keeps kin-openapi's defaults.
//
// It is not a schema validator: callers pass Options to openapi3filter
// (Options.SchemaValidationOptions) or to Schema.VisitJSON.
package formats

import "github.com/getkin/kin-openapi/openapi3"

var uuid = openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)

// Options are the schema validation options that check every format the
// contract uses: uuid (RFC 9562: versions 1 to 8, the nil and max UUIDs).
func Options() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uuid", uuid)}
}
