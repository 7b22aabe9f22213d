package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vaultSpec declares every kind of credential a spec can: Basic, Bearer,
// and API keys in a header, the query and a cookie.
const vaultSpec = `openapi: 3.0.3
info: {title: Vault, version: "1"}
paths:
  /things:
    post:
      operationId: makeThing
      security: [{basic: []}, {bearer: []}, {key: []}, {qkey: []}, {ckey: []}]
      parameters:
        - {name: note, in: query, schema: {type: string}}
      requestBody: {content: {application/json: {schema: {type: object, properties: {count: {type: integer}}}}}}
      responses:
        "201": {description: made, content: {application/json: {schema: {type: object}, example: {ok: true}}}}
        "400": {description: bad, content: {application/json: {schema: {type: object}}}}
        "401": {description: no, content: {application/json: {schema: {type: object}}}}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-API-Key}
    qkey: {type: apiKey, in: query, name: api_key}
    ckey: {type: apiKey, in: cookie, name: session}
`

const secret = "s3cr3t-T0KEN-9f8e"

// secretForms are the ways the secret can appear in clear.
func secretForms(id string) []string {
	return []string{secret, base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))}
}

// TestSecretsNeverInClear fills every place the fake keeps or prints text
// with every kind of secret the spec declares (Basic, Bearer, API keys in
// a header, the query and a cookie), the secret also inside a body, a
// query parameter of its own and a field the contract refuses, and greps
// every output for it: the journal, the metrics, the logs (debug) and
// stdout.
func TestSecretsNeverInClear(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "vault.yaml")
	require.NoError(t, os.WriteFile(spec, []byte(vaultSpec), 0o644))
	s := startServe(t, "--spec", spec, "--auth-token", secret, "--log-level", "debug")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.id+":"+secret))
	body := `{"count":"` + secret + `","note":"my ` + basic + `"}` // count is refused: the violation quotes it
	for _, tc := range []struct {
		name, query string
		header      []string
	}{
		{"basic", "", []string{"Authorization", basic}},
		{"bearer", "", []string{"Authorization", "Bearer " + secret}},
		{"bearer any case", "", []string{"Authorization", "bearer " + secret}},
		{"header key", "", []string{"X-API-Key", secret}},
		{"query key", "?api_key=" + secret + "&note=" + secret, nil},
		{"cookie key", "", []string{"Cookie", "theme=dark; session=" + secret}},
		{"proxy credentials", "", []string{"Proxy-Authorization", basic, "X-API-Key", secret}},
	} {
		req, err := http.NewRequest("POST", s.api+"/things"+tc.query, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(tc.header); i += 2 {
			req.Header.Set(tc.header[i], tc.header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, tc.name)
		resp.Body.Close()
	}
	outputs := map[string]string{}
	for _, path := range []string{"/__admin/journal?limit=1000", "/__admin/journal?after=0", "/metrics"} {
		_, _, got := relGet(t, s.admin+path)
		outputs[path] = got
	}
	require.Contains(t, outputs["/__admin/journal?limit=1000"], `theme=dark; session=[redacted]`, "the other cookies are kept")
	require.Contains(t, outputs["/__admin/journal?limit=1000"], `"X-Api-Key":["[redacted]"]`)
	require.NoError(t, s.stop())
	outputs["logs"] = s.logs.String()
	for where, out := range outputs {
		for _, form := range secretForms(s.id) {
			assert.NotContains(t, out, form, "a secret in clear in %s", where)
		}
	}
}

// TestProxySecretsNeverInClear: an upstream that quotes the application's
// token in its error, and a body that carries it: the drift report (JSON,
// text, the file written on shutdown, stdout), the journal, the logs and
// the recording never show it.
func TestProxySecretsNeverInClear(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, tok, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","error":"token `+tok+` is not allowed for `+r.Header.Get("Authorization")+`"}`)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	report, record := filepath.Join(dir, "drift.json"), filepath.Join(dir, "seen.yaml")
	p := startProxy(t, "--target", upstream.URL, "--report", report, "--record", record, "--log-level", "debug")
	const id = "MAREALACCOUNT0000001"
	req, err := http.NewRequest("POST", p.api+"/v1/phlo/P1/multi_party_call/N1", strings.NewReader(`{"action":"call","to":"+14152223333","role":"boss","trigger_source":"+14152225555","note":"`+secret+`"}`))
	require.NoError(t, err)
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(raw), secret, "the application gets the target's answer unchanged")

	outputs := map[string]string{}
	for _, path := range []string{"/__admin/drift", "/__admin/drift?format=text", "/__admin/journal"} {
		_, _, got := relGet(t, p.admin+path)
		outputs[path] = got
	}
	require.Contains(t, outputs["/__admin/drift"], "is not allowed", "the upstream's error is in the report, masked")
	p.stop()
	outputs["stdout"], outputs["logs"] = p.stdout.String(), p.logs.String()
	for _, file := range []string{report, record} {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		outputs[filepath.Base(file)] = string(b)
	}
	for where, out := range outputs {
		for _, form := range secretForms(id) {
			assert.NotContains(t, out, form, "a secret in clear in %s", where)
		}
	}
}
