package director

import (
	"context"
	"fmt"
	"net/http"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// CallHistory returns how the active set's call on (phloID, nodeID) came to
// its state (package multiparty's History); false when no active scenario is
// stateful or the node has no call. An error of the store is a
// *StoreError.
func (d *Director) CallHistory(ctx context.Context, phloID, nodeID string) (multiparty.History, bool, error) {
	st := d.active.Load()
	if st.calls == nil {
		return multiparty.History{}, false, nil
	}
	h, ok, err := st.calls.History(ctx, phloID, nodeID)
	return h, ok, storeError(err)
}

// getCallHistory serves GET /__admin/calls/{phlo_id}/{node_id}/history: the
// dashboard's timeline of a call.
func (d *Director) getCallHistory(w http.ResponseWriter, r *http.Request) {
	phlo, node := r.PathValue("phlo_id"), r.PathValue("node_id")
	h, ok, err := d.CallHistory(r.Context(), phlo, node)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if !ok {
		mockserver.WriteError(w, http.StatusNotFound, fmt.Sprintf("No call on node %s of PHLO %s: no active scenario is stateful, or the node has had no action and no members in the scenario's world.", node, phlo))
		return
	}
	mockserver.WriteJSON(w, http.StatusOK, h)
}
