// Package formats holds the string formats the contract's schemas use and
// kin-openapi does not check by itself: kin-openapi skips `format: uuid`
// unless a validator is registered. Formats are passed per validation
// (openapi3.WithStringFormatValidator), never registered globally, so that
// a program embedding phlomock keeps kin-openapi's defaults.
//
// It is not a schema validator: callers pass Options to openapi3filter
// (Options.SchemaValidationOptions) or to Schema.VisitJSON.
//
// Files: formats.go.
package formats
