package mockserver_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

func TestJournalKeepsTheClosestMiss(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	r := do(t, s, "PUT", "/v1/phlo/P1", "", "", "")
	require.Equal(t, 405, r.status)
	r = do(t, s, "GET", "/v1/phlo/P1/multi_party_cal/N1", "", "", "")
	require.Equal(t, 404, r.status)
	es := s.Journal().Entries(mockserver.Filter{})
	require.Len(t, es, 2)
	require.NotNil(t, es[0].Closest)
	assert.Equal(t, "getPhlo", es[0].Closest.OperationID)
	assert.Equal(t, []string{"method: got PUT, want GET"}, es[0].Closest.Differences)
	require.NotNil(t, es[1].Closest)
	assert.Equal(t, "getMultiPartyCall", es[1].Closest.OperationID)
	b, err := json.Marshal(es[1])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"closest":{"operation_id":"getMultiPartyCall","method":"GET","path":"/v1/phlo/{phlo_id}/multi_party_call/{node_id}","differences":["segment 4: got \"multi_party_cal\", want \"multi_party_call\""]}`)
}
