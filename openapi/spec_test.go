package openapi_test

import (
	"testing"

	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/require"
)

func TestLoadEmbeddedSpec(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	want := map[string]string{
		"runPhlo":              "POST /v1/account/{auth_id}/phlo/{phlo_id}",
		"getPhlo":              "GET /v1/phlo/{phlo_id}",
		"getMultiPartyCall":    "GET /v1/phlo/{phlo_id}/multi_party_call/{node_id}",
		"updateMultiPartyCall": "POST /v1/phlo/{phlo_id}/multi_party_call/{node_id}",
		"updateMember":         "POST /v1/phlo/{phlo_id}/multi_party_call/{node_id}/members/{member_address}",
		// The legacy conference bridge: from plivo-python, not Plivo's docs.
		"getConferenceBridge":    "GET /v1/phlo/{phlo_id}/conference_bridge/{node_id}",
		"updateConferenceMember": "POST /v1/phlo/{phlo_id}/conference_bridge/{node_id}/members/{member_address}",
	}
	got := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			got[op.OperationID] = method + " " + path
		}
	}
	require.Equal(t, want, got)
}
