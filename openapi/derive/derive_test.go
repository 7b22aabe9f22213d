package derive_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/openapi/derive"
	"github.com/phlomock/phlomock/openapi/postman"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func deriveFile(tb testing.TB, path string) (*openapi3.T, []derive.Warning) {
	tb.Helper()
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	c, err := postman.Parse(data)
	require.NoError(tb, err)
	doc, warnings := derive.Derive(c)
	require.NoError(tb, doc.Validate(context.Background()), "derived spec must be valid")
	return doc, warnings
}

func TestSeedColdTransfer(t *testing.T) {
	doc, warnings := deriveFile(t, "../postman/testdata/seed.postman_collection.json")
	for _, w := range warnings {
		t.Logf("warning: %s", w)
	}
	op := doc.Paths.Find("/v1/phlo/{phlo_id}/multi_party_call/{node_id}").Post
	require.NotNil(t, op)
	assert.Equal(t, "coldTransferCaller", op.OperationID)
	s := op.RequestBody.Value.Content.Get("application/json").Schema.Value
	assert.Equal(t, []string{"action", "to", "role", "trigger_source"}, s.Required)
	role := s.Properties["role"].Value
	assert.Equal(t, []any{"customer", "agent"}, role.Enum)
	assert.Equal(t, "agent", role.Default)
	assert.Equal(t, []any{"cold_transfer"}, s.Properties["action"].Value.Enum)
	assert.Contains(t, role.Description, "Role of the user")
	assert.Equal(t, "https://phlorunner.plivo.com", doc.Servers[0].URL)
	ok := op.Responses.Value("200")
	require.NotNil(t, ok)
	assert.Equal(t, "uuid", ok.Value.Content.Get("application/json").Schema.Value.Properties["api_id"].Value.Format)
}

// TestGolden derives every testdata/*.postman_collection.json and compares
// with the .golden.json next to it. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.postman_collection.json")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	inputs = append(inputs, "../postman/testdata/seed.postman_collection.json")
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".postman_collection.json")
		t.Run(name, func(t *testing.T) {
			doc, warnings := deriveFile(t, in)
			got, err := json.MarshalIndent(struct {
				Spec     *openapi3.T `json:"spec"`
				Warnings []string    `json:"warnings"`
			}{doc, strings_(warnings)}, "", "  ")
			require.NoError(t, err)
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got)+"\n", "derive(%s) differs from %s; run go test -update if intended", in, golden)
		})
	}
}

func strings_(ws []derive.Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func TestDeterministic(t *testing.T) {
	first, _ := deriveFile(t, "testdata/tasks.postman_collection.json")
	second, _ := deriveFile(t, "testdata/tasks.postman_collection.json")
	a, err := json.Marshal(first)
	require.NoError(t, err)
	b, err := json.Marshal(second)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
}

func TestNames(t *testing.T) {
	tests := []struct{ in, op, schema string }{
		{"Cold transfer a caller", "coldTransferCaller", "ColdTransferCaller"},
		{"Get a PHLO", "getPhlo", "GetPhlo"},
		{"Hang up a member", "hangUpMember", "HangUpMember"},
		{"Update a multi-party call", "updateMultiPartyCall", "UpdateMultiPartyCall"},
		{"List the tasks of an owner", "listTasksOfOwner", "ListTasksOfOwner"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.op, derive.OperationID(tt.in))
			assert.Equal(t, tt.schema, derive.SchemaName(tt.in))
		})
	}
}
