package driver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/openapi"
)

// Every protocol operation lands on an operation of the contract and, for
// an action, on one of the action values its body allows.
func TestSpecMatchesContract(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	require.Len(t, driver.Operations, 12)
	for _, name := range driver.Operations {
		o, ok := driver.Spec(name)
		require.True(t, ok, name)
		assert.Equal(t, name, o.Name)
		assert.True(t, ids[o.OperationID], "%s: no operation %q in the contract", name, o.OperationID)
		assert.Equal(t, o.Action != "", o.NodeAction() || o.MemberAction(), "%s: an action and only an action has an action value", name)
		assert.False(t, o.NodeAction() && o.MemberAction(), name)
	}
	_, ok := driver.Spec("transmogrify")
	assert.False(t, ok)
}
