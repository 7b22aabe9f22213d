package openapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// TestOperationIDs: the constants are the contract's operation ids, all of
// them, in its order.
func TestOperationIDs(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	var ids []string
	for _, p := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(p).Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	assert.ElementsMatch(t, ids, openapi.OperationIDs())
}
