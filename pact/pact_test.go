package pact_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/pact"
)

func exchange(method, path, body string, status int, answer, source, scenario string) pact.Exchange {
	h := http.Header{}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	return pact.Exchange{Method: method, Path: path, Header: h, Body: []byte(body), OperationID: "updateMultiPartyCall",
		Status: status, Answer: []byte(answer), Source: source, Scenario: scenario}
}

const cold = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`

func TestBuilder(t *testing.T) {
	b := pact.NewBuilder(pact.Names{})
	path := "/v1/phlo/P1/multi_party_call/N1"
	// The same request and answer twice, with fresh api_ids: one interaction.
	b.Add(exchange("POST", path, cold, 201, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`, "spec", ""))
	b.Add(exchange("POST", path, cold, 201, `{"api_id":"11111111-d621-4028-afc8-1aeab1d497a8","error":""}`, "spec", ""))
	// The same request under another scenario: another interaction.
	b.Add(exchange("POST", path, cold, 429, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"Too many requests"}`, "responder", "rate-limited"))
	// The same key order differently: the same request.
	b.Add(exchange("POST", path, `{"role":"agent","action":"cold_transfer","to":"+14152225555","trigger_source":"+14152223333"}`, 201, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`, "spec", ""))
	// Another body, same description: numbered.
	b.Add(exchange("POST", path, strings.Replace(cold, "agent", "customer", 1), 201, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`, "spec", ""))
	// Left out: the fake refused the credentials; a truncated body.
	b.Add(exchange("POST", path, cold, 401, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"Authentication credentials were not provided."}`, "error", ""))
	tr := exchange("POST", path, cold, 201, `{}`, "spec", "")
	tr.BodyTruncated = true
	b.Add(tr)
	// A 401 a scenario chose is kept: a verifier can replay it.
	b.Add(exchange("POST", path, cold, 401, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"Authentication failed"}`, "responder", "auth-failure"))

	p := b.Pact("v1.2.3")
	require.Len(t, p.Interactions, 4)
	assert.Equal(t, pact.LeftOut{pact.LeftCredentials: 1, pact.LeftTruncated: 1}, b.LeftOut())
	assert.Equal(t, "credentials refused 1, truncated 1", b.LeftOut().String())

	var descs, states []string
	for _, in := range p.Interactions {
		descs = append(descs, in.Description)
		require.Len(t, in.ProviderStates, 1)
		states = append(states, in.ProviderStates[0].Name+"/"+in.ProviderStates[0].Params["scenario"])
		assert.Equal(t, "Synchronous/HTTP", in.Type)
		assert.Len(t, in.Key, 16)
	}
	assert.Equal(t, []string{
		"updateMultiPartyCall cold_transfer -> 201 (success)",
		"updateMultiPartyCall cold_transfer -> 429 (rate-limited)",
		"updateMultiPartyCall cold_transfer -> 201 (success) (2)",
		"updateMultiPartyCall cold_transfer -> 401 (auth-failure)",
	}, descs)
	assert.Equal(t, []string{"scenario success is active/success", "scenario rate-limited is active/rate-limited",
		"scenario success is active/success", "scenario auth-failure is active/auth-failure"}, states)

	raw, err := p.JSON()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "phlorunner-client", doc["consumer"].(map[string]any)["name"])
	assert.Equal(t, "phlorunner", doc["provider"].(map[string]any)["name"])
	meta := doc["metadata"].(map[string]any)
	assert.Equal(t, "4.0", meta["pactSpecification"].(map[string]any)["version"])
	assert.Equal(t, "v1.2.3", meta["phlomock"].(map[string]any)["version"])
	first := doc["interactions"].([]any)[0].(map[string]any)
	req := first["request"].(map[string]any)
	assert.Equal(t, map[string]any{"contentType": "application/json", "encoded": false,
		"content": map[string]any{"action": "cold_transfer", "to": "+14152225555", "role": "agent", "trigger_source": "+14152223333"}}, req["body"])
	resp := first["response"].(map[string]any)
	assert.Equal(t, map[string]any{"body": map[string]any{"$.api_id": map[string]any{"combine": "AND",
		"matchers": []any{map[string]any{"match": "regex", "regex": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}}}}}, resp["matchingRules"])
}

// Bodies that are not JSON stay text, with their content type; a body sent
// as form-encoded that is JSON is JSON (curl -d's default content type).
func TestBodies(t *testing.T) {
	b := pact.NewBuilder(pact.Names{Consumer: "app", Provider: "api"})
	html := exchange("GET", "/v1/phlo/P1", "", 500, "<html>oops</html>", "responder", "html-500")
	form := exchange("POST", "/v1/phlo/P1/multi_party_call/N1", cold, 201, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`, "spec", "")
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	text := exchange("POST", "/v1/phlo/P1/multi_party_call/N1", "action=call", 415, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"x"}`, "error", "")
	text.Header.Set("Content-Type", "text/plain")
	query := exchange("GET", "/v1/phlo/P1", "", 200, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8"}`, "spec", "")
	query.RawQuery = "a=1&a=2"
	for _, e := range []pact.Exchange{html, form, text, query} {
		b.Add(e)
	}
	p := b.Pact("")
	require.Len(t, p.Interactions, 4)
	assert.Equal(t, &pact.Body{ContentType: "text/plain", Encoded: false, Content: "<html>oops</html>"}, p.Interactions[0].Response.Body)
	assert.Nil(t, p.Interactions[0].Response.MatchingRules)
	assert.Equal(t, "application/json", p.Interactions[1].Request.Body.ContentType)
	assert.Equal(t, []string{"application/x-www-form-urlencoded"}, p.Interactions[1].Request.Headers["Content-Type"])
	assert.Equal(t, &pact.Body{ContentType: "text/plain", Encoded: false, Content: "action=call"}, p.Interactions[2].Request.Body)
	assert.Equal(t, map[string][]string{"a": {"1", "2"}}, p.Interactions[3].Request.Query)
	assert.Equal(t, "app", p.Consumer.Name)
	_, hasVersion := p.Metadata["phlomock"].(map[string]any)["version"]
	assert.False(t, hasVersion)
}

func TestDecodeEntry(t *testing.T) {
	x, err := pact.DecodeEntry([]byte(`{"seq":3,"method":"POST","path":"/p","header":{"Content-Type":["application/json"]},"body":"","body_base64":"/w==","status":500,"answer":"<html>","source":"responder","scenario":"s"}`))
	require.NoError(t, err)
	assert.Equal(t, []byte{0xff}, x.Body)
	assert.Equal(t, "<html>", string(x.Answer))
	x, err = pact.DecodeEntry([]byte(`{"method":"GET","path":"/p","status":200,"answer":{"api_id":"x"}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"api_id":"x"}`, string(x.Answer))
	_, err = pact.DecodeEntry([]byte(`{"seq":1}`))
	assert.ErrorContains(t, err, "not a journal entry")
}
