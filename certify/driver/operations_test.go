package driver

import (
	"slices"
	"testing"

	"github.com/phlomock/phlomock/openapi"
)

// TestOperationIDsAreTheContracts: the protocol's table lands on the
// contract's operation ids, as package openapi names them (the driver
// package imports nothing of phlomock, so it spells them itself).
func TestOperationIDsAreTheContracts(t *testing.T) {
	for _, o := range operationSpecs {
		if !slices.Contains(openapi.OperationIDs(), o.OperationID) {
			t.Errorf("%s: operation id %q is not one of the contract's %v", o.Name, o.OperationID, openapi.OperationIDs())
		}
	}
}
