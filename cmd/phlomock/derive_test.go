package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs phlomock with args and returns its exit code and output.
func runCLI(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = exitCode(err, &errb)
	return code, out.String(), errb.String()
}

func TestDerive(t *testing.T) {
	const (
		collection = "../../openapi/phlorunner.postman_collection.json"
		overlay    = "../../openapi/phlorunner.overlay.yaml"
		seed       = "../../openapi/postman/testdata/seed.postman_collection.json"
		tasks      = "../../openapi/derive/testdata/tasks.postman_collection.json"
		malformed  = "testdata/derive-malformed.postman_collection.json"
	)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{name: "seed to stdout", args: []string{seed}, wantStdout: "operationId: coldTransferCaller"},
		{name: "flags before the file", args: []string{"--format", "json", seed}, wantStdout: `"operationId": "coldTransferCaller"`},
		{name: "flags after the file", args: []string{seed, "--format", "json"}, wantStdout: `"operationId": "coldTransferCaller"`},
		{name: "contract", args: []string{collection, "--overlay", overlay}, wantStdout: "operationId: updateMember"},
		{name: "warnings do not fail", args: []string{tasks}, wantStdout: "operationId: getTask", wantStderr: `warning: Tasks/Subscribe to a project: method "LINK"`},
		{name: "malformed collection names file:line:column", args: []string{malformed}, wantCode: 1, wantStderr: malformed + ":3:12: invalid character ','"},
		{name: "missing file", args: []string{"nope.json"}, wantCode: 1, wantStderr: "nope.json"},
		{name: "missing overlay", args: []string{seed, "--overlay", "nope.yaml"}, wantCode: 1, wantStderr: "nope.yaml"},
		{name: "overlay not matching the collection", args: []string{seed, "--overlay", overlay}, wantStderr: "selects nothing"},
		{name: "no file", args: nil, wantCode: 2, wantStderr: "want one collection file"},
		{name: "two files", args: []string{seed, seed}, wantCode: 2, wantStderr: "got 2 arguments"},
		{name: "bad format", args: []string{seed, "--format", "xml"}, wantCode: 2, wantStderr: `--format "xml"`},
		{name: "unknown flag", args: []string{"--nope", seed}, wantCode: 2, wantStderr: "derive: unknown flag --nope; run 'phlomock help derive' for the flags\n"},
		{name: "misspelt flag", args: []string{seed, "--overlai", "o.yaml"}, wantCode: 2, wantStderr: "unknown flag --overlai (did you mean --overlay?)"},
		{name: "help", args: []string{"-h"}, wantStderr: "usage: phlomock derive COLLECTION.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"derive"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, code, "exit code; stderr: %s", stderr)
			assert.Contains(t, stdout, tt.wantStdout)
			assert.Contains(t, stderr, tt.wantStderr)
		})
	}
}

func TestDeriveWritesTheCommittedContract(t *testing.T) {
	out := filepath.Join(t.TempDir(), "phlorunner.yaml")
	code, stdout, stderr := runCLI(t, "derive", "../../openapi/phlorunner.postman_collection.json",
		"--overlay", "../../openapi/phlorunner.overlay.yaml", "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.Empty(t, stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(openapi.YAML), string(got))
}

func TestDeriveLeavesOutputAloneOnError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "spec.yaml")
	require.NoError(t, os.WriteFile(out, []byte("before"), 0o644))
	code, _, _ := runCLI(t, "derive", "testdata/derive-malformed.postman_collection.json", "-o", out)
	require.Equal(t, 1, code)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "before", string(got))
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestDeriveJSONIsValid(t *testing.T) {
	code, stdout, stderr := runCLI(t, "derive", "--format", "json", "--overlay", "../../openapi/phlorunner.overlay.yaml", "../../openapi/phlorunner.postman_collection.json")
	require.Equal(t, 0, code, stderr)
	require.True(t, json.Valid([]byte(stdout)))
	_, err := openapi.Parse([]byte(stdout))
	require.NoError(t, err)
}
