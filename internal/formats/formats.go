package formats

import "github.com/getkin/kin-openapi/openapi3"

var uuid = openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)

// Options are the schema validation options that check every format the
// contract uses: uuid (RFC 9562: versions 1 to 8, the nil and max UUIDs).
func Options() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uuid", uuid)}
}
