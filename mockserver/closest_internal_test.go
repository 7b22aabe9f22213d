package mockserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClosest(t *testing.T) {
	routes := []Route{
		{OperationID: "runPhlo", Method: "POST", Path: "/v1/account/{auth_id}/phlo/{phlo_id}"},
		{OperationID: "getPhlo", Method: "GET", Path: "/v1/phlo/{phlo_id}"},
		{OperationID: "getMultiPartyCall", Method: "GET", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}"},
		{OperationID: "updateMultiPartyCall", Method: "POST", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}"},
		{OperationID: "updateMember", Method: "POST", Path: "/v1/phlo/{phlo_id}/multi_party_call/{node_id}/members/{member_address}"},
	}
	cases := []struct {
		name, method, path string
		want               string
		diffs              []string
	}{
		{"same path, other method", "DELETE", "/v1/phlo/P1", "getPhlo", []string{"method: got DELETE, want GET"}},
		{"a misspelt segment", "POST", "/v1/phlo/P1/multi_party_cal/N1", "updateMultiPartyCall", []string{`segment 4: got "multi_party_cal", want "multi_party_call"`}},
		{"member for members", "POST", "/v1/phlo/P1/multi_party_call/N1/member/m", "updateMember", []string{`segment 6: got "member", want "members"`}},
		{"a missing segment", "POST", "/v1/phlo/P1/multi_party_call/N1/members", "updateMember", []string{`segment 7: missing, want "{member_address}"`}},
		{"an extra segment", "GET", "/v1/phlo/P1/extra/", "getPhlo", []string{`segment 4: "extra" is extra`}},
		{"method and segment", "GET", "/v2/account/MA1/phlo/P1", "runPhlo", []string{"method: got GET, want POST", `segment 1: got "v2", want "v1"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := closestRoute(routes, c.method, c.path)
			require.NotNil(t, m)
			assert.Equal(t, c.want, m.OperationID, "got %s, want %s", m.OperationID, c.want)
			assert.Equal(t, c.diffs, m.Differences)
		})
	}
	assert.Nil(t, closestRoute(nil, "GET", "/"), "no routes, no closest")
}
