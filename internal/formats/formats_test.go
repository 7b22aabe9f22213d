package formats_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/internal/formats"
)

func TestUUIDChecked(t *testing.T) {
	s := openapi3.NewStringSchema()
	s.Format = "uuid"
	assert.NoError(t, s.VisitJSON("8c77b816-d621-4028-afc8-1aeab1d497a8", formats.Options()...))
	assert.Error(t, s.VisitJSON("P1", formats.Options()...), "P1 is not a UUID")
	assert.Error(t, s.VisitJSON("8c77b816d6214028afc81aeab1d497a8", formats.Options()...), "no dashes")
	// Without the options kin-openapi lets anything through: the reason
	// for this package.
	assert.NoError(t, s.VisitJSON("P1"))
}
