package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ../cmd/phlomock derive phlorunner.postman_collection.json --overlay phlorunner.overlay.yaml -o phlorunner.yaml

// YAML is the contract exactly as committed in phlorunner.yaml.
//
//go:embed phlorunner.yaml
var YAML []byte

// Load parses and validates the embedded contract. Each call returns a fresh
// document, so callers may modify theirs.
func Load() (*openapi3.T, error) {
	return Parse(YAML)
}

// Parse loads an OpenAPI 3 document from YAML or JSON and validates it.
func Parse(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid spec: %w", err)
	}
	return doc, nil
}
