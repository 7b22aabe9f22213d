package scalegen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// Spec is the embedded contract with generated operations added until it
// has ops, as JSON: pairs of GET and POST on
// /v1/account/{auth_id}/resourceN/{id}, each with its parameters, a JSON
// body for the POST and a JSON answer, as a generated API's spec has them.
// Its PHLO operations are the contract's, so it is served as the PHLO API.
func Spec(ops int) ([]byte, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, err
	}
	paths := tree["paths"].(map[string]any)
	have := 0
	for _, item := range doc.Paths.Map() {
		have += len(item.Operations())
	}
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
	return json.Marshal(tree)
}

// RuleScenario is layer's scenario of n rules, as a scenario file: each
// rule is aimed at one operation (three in turn) of its own PHLO
// (RulePHLO) and adds a header X-Rule naming itself (RuleName); the last
// rule aims at the seed request's operation. A fleet of tests sharing one
// fake looks like this: each test's rules name its PHLO.
func RuleScenario(layer, n int) []byte {
	ops := []string{openapi.OpUpdateMultiPartyCall, openapi.OpGetPhlo, openapi.OpUpdateMember}
	var y strings.Builder
	fmt.Fprintf(&y, "version: 1\nname: %s\nrules:\n", LayerName(layer))
	for j := range n {
		op := ops[(n-1-j)%len(ops)]
		fmt.Fprintf(&y, "  - name: %s\n    match:\n      operation: %s\n      path_params: {phlo_id: %s}\n    respond:\n      headers: {X-Rule: %s}\n",
			RuleName(layer, j), op, RulePHLO(layer, j), RuleName(layer, j))
	}
	return []byte(y.String())
}

// ParseRuleScenario is RuleScenario parsed, as --scenario reads a file.
func ParseRuleScenario(layer, n int) (*scenarios.Scenario, error) {
	return scenarios.Parse(LayerName(layer)+".yaml", RuleScenario(layer, n))
}

// LayerName is the name of layer's scenario.
func LayerName(layer int) string { return fmt.Sprintf("layer-%d", layer) }

// RuleName is the name of the rule j of layer's scenario.
func RuleName(layer, j int) string { return fmt.Sprintf("rule-%d-%d", layer, j) }

// RulePHLO is the PHLO id the rule j of layer's scenario is aimed at.
func RulePHLO(layer, j int) string { return fmt.Sprintf("phlo-%d-%d", layer, j) }
