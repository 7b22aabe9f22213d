package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestScenariosCheckNeverMatches: scenarios check reports a rule that no
// request the contract allows can match, at the value, with a did-you-mean.
func TestScenariosCheckNeverMatches(t *testing.T) {
	dir := t.TempDir()
	file := writeScenarioFile(t, dir, "never.yaml", `version: 1
rules:
  - name: typo-param
    match: {operation: updateMultiPartyCall, path_params: {phloid: x}}
    respond: 500
  - name: hyphen
    match:
      operation: updateMultiPartyCall
      body: {action: cold-transfer}
    respond: 500
  - name: deep-glob
    match: {method: POST, path: /v1/phlo/**}
    respond: 500
  - name: fine
    match: {path: /v1/phlo/*/multi_party_call/*, body: {action: cold_transfer}}
    respond: 500
`)
	out, errOut, code := runScenariosCmd(t, "check", file)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, []string{
		file + `:4:60: rule "typo-param" never matches: path parameter "phloid" (did you mean "phlo_id"?) is not one of updateMultiPartyCall's (phlo_id, node_id)`,
		file + `:9:22: rule "hyphen" never matches: body action "cold-transfer" (did you mean "cold_transfer"?) is not a value the contract allows: want one of call, cold_transfer, warm_transfer`,
		file + `:12:33: rule "deep-glob" never matches: path "/v1/phlo/**" matches no POST operation of the contract (path.Match has no "**": it is "*", one segment) (did you mean /v1/phlo/*/conference_bridge/*/members/* or /v1/phlo/*/multi_party_call/* or /v1/phlo/*/multi_party_call/*/members/*?)`,
	}, strings.Split(strings.TrimSuffix(errOut, "\n"), "\n"))
}
