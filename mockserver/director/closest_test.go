package director_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

const nearRule = `version: 1
name: near
rules:
  - name: hold-fails
    match: {operation: updateMultiPartyCall, body: {action: hold}}
    respond: 503
  - match: {operation: getPhlo, path_params: {phlo_id: other}}
    respond: 404
`

// TestClosestRuleInJournal: a request that no rule answered, though one was
// aimed at its operation, says in the journal (and in the debug log) which
// rule came closest and what differed; a request no rule aims at says
// nothing, and the answer is the contract's either way.
func TestClosestRuleInJournal(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	s, err := scenarios.Parse("near.yaml", []byte(nearRule))
	require.NoError(t, err)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{Logger: logger}, Active: []*scenarios.Scenario{s}})
	require.NoError(t, err)
	api := httptest.NewServer(srv.API)
	defer api.Close()
	admin := httptest.NewServer(srv.AdminHandler())
	defer admin.Close()

	do := func(method, path, body string) int {
		req, err := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, 201, do("POST", nodePath, `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`))
	require.Equal(t, 200, do("GET", phloPath, ""))
	require.Equal(t, 200, do("GET", nodePath, ""), "no rule aims at getMultiPartyCall")

	res, err := http.Get(admin.URL + "/__admin/journal")
	require.NoError(t, err)
	defer res.Body.Close()
	var page struct {
		Entries []struct {
			OperationID string          `json:"operation_id"`
			Source      string          `json:"source"`
			ClosestRule json.RawMessage `json:"closest_rule"`
		} `json:"entries"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
	require.Len(t, page.Entries, 3)
	assert.JSONEq(t, `{"scenario":"near","rule":"hold-fails","differences":["body.action: got \"call\", want \"hold\""]}`, string(page.Entries[0].ClosestRule))
	assert.Equal(t, "spec", page.Entries[0].Source, "a miss is still the contract's answer")
	assert.JSONEq(t, `{"scenario":"near","rule":"#2","differences":["path_params.phlo_id: got \"`+phloID+`\", want \"other\""]}`, string(page.Entries[1].ClosestRule))
	assert.Empty(t, page.Entries[2].ClosestRule, "no rule came close")

	assert.Contains(t, logs.String(), `level=DEBUG msg="no rule matched" path=`+nodePath+` operation=updateMultiPartyCall scenario=near closest_rule=hold-fails differences="body.action: got \"call\", want \"hold\""`)
	assert.Equal(t, 2, strings.Count(logs.String(), "no rule matched"))
}

// TestClosestRuleStateful: in a stateful set, an action that no rule
// answered goes on to the call model and still carries its closest rule.
func TestClosestRuleStateful(t *testing.T) {
	flow, err := scenarios.Builtin("transfer-flow")
	require.NoError(t, err)
	s, err := scenarios.Parse("near.yaml", []byte(nearRule))
	require.NoError(t, err)
	d, err := director.New(director.Options{}, flow, s)
	require.NoError(t, err)
	state, err := d.State(nil)
	require.NoError(t, err)
	a, ok := state.Responder.Respond(t.Context(), &mockserver.Exchange{
		OperationID: "updateMultiPartyCall", Method: "POST", Path: nodePath,
		PathParams: map[string]string{"phlo_id": phloID, "node_id": nodeID},
		Body:       map[string]any{"action": "call", "to": "+14155550100", "role": "agent", "trigger_source": "+14152225555"},
	})
	require.True(t, ok)
	require.NotNil(t, a.ClosestRule)
	assert.Equal(t, "hold-fails", a.ClosestRule.Rule)
	assert.NotZero(t, a.CallSeq, "the call model answered")
}
