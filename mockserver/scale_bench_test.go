package mockserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The scale benchmarks (issue 16) hold the per-request cost flat as what
// the fake holds grows: each compares the seed request with a large
// structure to the same request with the small one, in the same run
// (bench/run judges large/small <= 1.2x).

// BenchmarkScaleJournal is the seed request with the default journal
// (1,000 entries, empty at the start) and with a full 100,000-entry one
// (--journal-size 100000, filled with the seed exchange first).
func BenchmarkScaleJournal(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		benchHandler(b, fullJournalServer(b, 0))
	})
	b.Run("full-100000", func(b *testing.B) {
		const size = 100_000
		s := fullJournalServer(b, size)
		for range size {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, seedRequest())
			if rec.Code != 201 {
				b.Fatalf("got %d %s, want 201", rec.Code, rec.Body)
			}
		}
		if n := len(s.Journal().Entries(mockserver.Filter{})); n != size {
			b.Fatalf("got %d entries, want %d", n, size)
		}
		benchHandler(b, s)
	})
}

// BenchmarkScaleSpec is the seed request with the embedded contract and
// with a 500-operation spec holding the PHLO operations, parsed as --spec
// parses a file (openapi.Parse).
func BenchmarkScaleSpec(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		doc, err := openapi.Load()
		if err != nil {
			b.Fatal(err)
		}
		benchHandler(b, specServer(b, doc))
	})
	b.Run("ops-500", func(b *testing.B) {
		doc := bigSpec(b, 500)
		if n := len(scripted.OperationIDs(doc)); n != 500 {
			b.Fatalf("got %d operations, want 500", n)
		}
		benchHandler(b, specServer(b, doc))
	})
}

// specServer is productionServer serving doc.
func specServer(tb testing.TB, doc *openapi3.T) *mockserver.Server {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	fake, err := scripted.NewServer(doc, scripted.Options{Accounts: accounts}, mockserver.Options{Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	if err := fake.Director.ActivateNames(scenarios.Default); err != nil {
		tb.Fatal(err)
	}
	return fake.API
}

// bigSpec is the embedded contract with generated operations added until
// it has ops: pairs of GET and POST on /v1/account/{auth_id}/resourceN/{id},
// each with its parameters, a JSON body for the POST and a JSON answer, as
// a generated API's spec has them. It goes through JSON and openapi.Parse,
// as a --spec file does.
func bigSpec(tb testing.TB, ops int) *openapi3.T {
	tb.Helper()
	doc, err := openapi.Load()
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		tb.Fatal(err)
	}
	paths := tree["paths"].(map[string]any)
	have := len(scripted.OperationIDs(doc))
	object := map[string]any{
		"type":     "object",
		"required": []string{"id", "name"},
		"properties": map[string]any{
			"id":    map[string]any{"type": "string"},
			"name":  map[string]any{"type": "string", "maxLength": 64},
			"count": map[string]any{"type": "integer", "minimum": 0},
		},
	}
	answer := map[string]any{"200": map[string]any{
		"description": "the resource",
		"content":     map[string]any{"application/json": map[string]any{"schema": object}},
	}}
	params := []any{
		map[string]any{"name": "auth_id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}},
		map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}},
	}
	for i := 0; have < ops; i++ {
		item := map[string]any{"parameters": params}
		item["get"] = map[string]any{"operationId": fmt.Sprintf("getResource%d", i), "responses": answer}
		have++
		if have < ops {
			item["post"] = map[string]any{
				"operationId": fmt.Sprintf("updateResource%d", i),
				"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": object}}},
				"responses":   answer,
			}
			have++
		}
		paths[fmt.Sprintf("/v1/account/{auth_id}/resource%d/{id}", i)] = item
	}
	if raw, err = json.Marshal(tree); err != nil {
		tb.Fatal(err)
	}
	big, err := openapi.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return big
}
