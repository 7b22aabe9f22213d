package director_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

func TestCallHistoryRoute(t *testing.T) {
	const phlo, node = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	fake := faketest.NewServer(t, fake.Config{}, "transfer-flow")
	hold := func() int {
		resp, err := fake.Client().Post(fake.URL+"/v1/phlo/"+phlo+"/multi_party_call/"+node+"/members/+14152223333", "application/json", strings.NewReader(`{"action":"hold"}`))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusCreated, hold())
	assert.Equal(t, http.StatusBadRequest, hold(), "already on hold: refused, not in the history")

	get := func(path string) (int, multiparty.History) {
		resp, err := http.Get(fake.AdminURL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		var h multiparty.History
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
		return resp.StatusCode, h
	}
	status, h := get("/__admin/calls/" + phlo + "/" + node + "/history")
	require.Equal(t, http.StatusOK, status)
	assert.True(t, h.Complete)
	require.Len(t, h.Steps, 2, "the start and the accepted hold")
	assert.Nil(t, h.Steps[0].Action)
	assert.Equal(t, multiparty.Hold, h.Steps[1].Action.Kind)
	assert.Contains(t, h.Steps[1].Members, multiparty.Member{Address: "+14152223333", Role: multiparty.Customer, State: multiparty.OnHold})

	status, _ = get("/__admin/calls/" + phlo + "/other/history")
	assert.Equal(t, http.StatusNotFound, status)
	require.NoError(t, fake.Director.ActivateNames("success"))
	status, _ = get("/__admin/calls/" + phlo + "/" + node + "/history")
	assert.Equal(t, http.StatusNotFound, status, "no stateful scenario")
}
