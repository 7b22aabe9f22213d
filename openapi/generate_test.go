package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func contractInput(tb testing.TB, format string) openapi.Input {
	tb.Helper()
	c, err := os.ReadFile("phlorunner.postman_collection.json")
	require.NoError(tb, err)
	o, err := os.ReadFile("phlorunner.overlay.yaml")
	require.NoError(tb, err)
	return openapi.Input{
		Collection: c, CollectionName: "phlorunner.postman_collection.json",
		Overlay: o, OverlayName: "phlorunner.overlay.yaml",
		Format: format,
	}
}

// TestCommittedSpecIsGenerated is the drift check: phlorunner.yaml must be
// exactly derive(collection) + overlay. Fix with `go generate ./openapi`.
func TestCommittedSpecIsGenerated(t *testing.T) {
	got, warnings, err := openapi.Generate(contractInput(t, "yaml"))
	require.NoError(t, err)
	assert.Empty(t, warnings, "the contract's own collection must translate without warnings")
	if !bytes.Equal(got, openapi.YAML) {
		t.Fatalf("openapi/phlorunner.yaml differs from derive(phlorunner.postman_collection.json) + phlorunner.overlay.yaml (%d bytes, want %d); run go generate ./openapi", len(openapi.YAML), len(got))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			first, _, err := openapi.Generate(contractInput(t, format))
			require.NoError(t, err)
			second, _, err := openapi.Generate(contractInput(t, format))
			require.NoError(t, err)
			assert.Equal(t, string(first), string(second))
		})
	}
}

func TestGenerateJSONMatchesYAML(t *testing.T) {
	out, _, err := openapi.Generate(contractInput(t, "json"))
	require.NoError(t, err)
	fromJSON, err := openapi.Parse(out)
	require.NoError(t, err)
	fromYAML, err := openapi.Load()
	require.NoError(t, err)
	a, _ := json.Marshal(fromJSON)
	b, _ := json.Marshal(fromYAML)
	assert.JSONEq(t, string(b), string(a))
}

// TestContractDecisions pins what other packages code against.
func TestContractDecisions(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	for _, name := range []string{"CallUser", "WarmTransferCaller", "ColdTransferCaller", "AbortTransfer", "HoldMember",
		"UnholdMember", "HangUpMember", "ResumeCall", "DropVoicemail", "Error", "ActionResult"} {
		assert.Contains(t, doc.Components.Schemas, name)
	}
	assert.Contains(t, doc.Components.SecuritySchemes, "basicAuth")
	assert.Equal(t, "https://phlorunner.plivo.com", doc.Servers[0].URL)

	const pattern = `^(\+?[0-9]{1,15}|sip:[^\s@]+@[^\s@]+)$`
	for _, name := range []string{"CallUser", "WarmTransferCaller", "ColdTransferCaller"} {
		s := doc.Components.Schemas[name].Value
		assert.ElementsMatch(t, []string{"action", "to", "role", "trigger_source"}, s.Required, name)
		assert.Equal(t, []any{"customer", "agent"}, s.Properties["role"].Value.Enum, name)
		assert.Equal(t, "agent", s.Properties["role"].Value.Default, name)
		assert.Equal(t, pattern, s.Properties["to"].Value.Pattern, name)
		assert.Equal(t, pattern, s.Properties["trigger_source"].Value.Pattern, name)
	}
	node := doc.Paths.Find("/v1/phlo/{phlo_id}/multi_party_call/{node_id}").Post
	member := doc.Paths.Find("/v1/phlo/{phlo_id}/multi_party_call/{node_id}/members/{member_address}").Post
	for _, op := range []struct {
		name  string
		codes []string
	}{
		{"runPhlo", []string{"201", "400", "401", "403", "404", "413", "415", "429", "500"}},
		{"getPhlo", []string{"200", "400", "401", "403", "404", "429", "500"}},
		{"updateMultiPartyCall", []string{"200", "201", "400", "401", "403", "404", "413", "415", "429", "500"}},
	} {
		var found bool
		for _, item := range doc.Paths.Map() {
			for _, o := range item.Operations() {
				if o.OperationID == op.name {
					found = true
					assert.ElementsMatch(t, op.codes, keys(o.Responses.Map()), op.name)
				}
			}
		}
		assert.True(t, found, op.name)
	}
	for _, p := range member.Parameters {
		if p.Value.Name == "member_address" {
			assert.Equal(t, pattern, p.Value.Schema.Value.Pattern, "the member's address is checked as to is")
		}
	}
	assert.Len(t, node.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf, 3)
	assert.Len(t, member.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf, 8)
	assert.Equal(t, "#/components/schemas/DropVoicemail",
		member.RequestBody.Value.Content.Get("application/json").Schema.Value.Discriminator.Mapping["voicemail_drop"].Ref)

	// An action result with an error, and an error without one, are rejected.
	ok := doc.Components.Schemas["ActionResult"].Value
	assert.NoError(t, ok.VisitJSON(map[string]any{"api_id": "8c77b816-d621-4028-afc8-1aeab1d497a8", "error": ""}))
	assert.Error(t, ok.VisitJSON(map[string]any{"api_id": "8c77b816-d621-4028-afc8-1aeab1d497a8", "error": "x"}))
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      openapi.Input
		wantMsg string
		wantIs  error
	}{
		{"malformed collection", openapi.Input{Collection: []byte("{\n  \"item\": [,]\n}"), CollectionName: "c.json"}, "c.json:2:12: ", nil},
		{"malformed overlay", openapi.Input{Collection: []byte(`{"info":{},"item":[]}`), Overlay: []byte("overlay: 1.0.0\nbogus: 1\n"), OverlayName: "o.yaml"}, "o.yaml:2: ", nil},
		{"unknown format", openapi.Input{Collection: []byte(`{"info":{},"item":[]}`), Format: "xml"}, "", openapi.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := openapi.Generate(tt.in)
			require.Error(t, err)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
				return
			}
			var ie *openapi.InputError
			require.True(t, errors.As(err, &ie), "got %T, want *openapi.InputError", err)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	in := contractInput(b, "yaml")
	for b.Loop() {
		if _, _, err := openapi.Generate(in); err != nil {
			b.Fatal(err)
		}
	}
}
