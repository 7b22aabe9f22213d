package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A file with a built-in's name shadows it, and serve says so at start.
func TestServeWarnsOfShadowedBuiltin(t *testing.T) {
	file := filepath.Join(t.TempDir(), "server-error.yaml")
	writeFile(t, file, "version: 1\nrules:\n  - match: {operation: getPhlo}\n    respond: 418\n")
	s := startServe(t, "--scenario", file)
	status, _ := hit(t, "GET", s.api+"/v1/phlo/P1", "")
	assert.Equal(t, 418, status, "the file's scenario answers")
	assert.Contains(t, s.logs.String(), `level=WARN msg="scenario shadows a built-in" warning="`+file+`: scenario \"server-error\" shadows the built-in scenario of that name`)
}

// At debug level, a request no rule answered, though one was aimed at its
// operation, is logged with the rule that came closest.
func TestServeLogsClosestRule(t *testing.T) {
	file := filepath.Join(t.TempDir(), "near.yaml")
	writeFile(t, file, "version: 1\nname: near\nrules:\n  - name: hold-fails\n    match: {operation: updateMultiPartyCall, body: {action: cold_transfer}}\n    respond: 503\n")
	s := startServe(t, "--scenario", file, "--log-level", "debug")
	status, _ := hit(t, "POST", s.api+nodeURL, callJSON)
	assert.Equal(t, 201, status)
	assert.Contains(t, s.logs.String(), `msg="no rule matched"`)
	assert.Contains(t, s.logs.String(), `closest_rule=hold-fails differences="body.action: got \"call\", want \"cold_transfer\""`)
}
