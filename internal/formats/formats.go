package formats

import (
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// uuid is kin-openapi's regexp validator of the uuid format, made on its
// first use: compiling it when the program starts cost every start of
// phlomock, and a contract without a uuid field never needs it.
var uuid = lazyValidator(sync.OnceValue(func() openapi3.StringFormatValidator {
	return openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)
}))

type lazyValidator func() openapi3.StringFormatValidator

func (v lazyValidator) Validate(value string) error { return v().Validate(value) }

// Options are the schema validation options that check every format the
// contract uses: uuid (RFC 9562: versions 1 to 8, the nil and max UUIDs).
func Options() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uuid", uuid)}
}
