package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ../cmd/phlomock derive phlorunner.postman_collection.json --overlay phlorunner.overlay.yaml -o phlorunner.yaml
//go:generate go test -run TestContractGo . -args -update

// YAML is the contract exactly as committed in phlorunner.yaml.
//
//go:embed phlorunner.yaml
var YAML []byte

// Load returns the embedded contract, a valid document. Each call returns a
// fresh document, so callers may modify theirs.
//
// It is the document kin-openapi's loader reads from YAML, built without
// parsing: phlorunner_gen.go, generated from phlorunner.yaml by `go
// generate`, constructs it with its references unresolved, and the loader's
// ResolveRefsIn links them. Parsing the YAML was most of `phlomock serve`'s
// own start-up time (BENCHMARKS.md); TestLoadIsYAML holds the two equal.
//
// Unlike Parse, Load does not run kin-openapi's Validate: the embedded
// contract cannot change after the build, and TestEmbeddedSpecValid
// validates it, so validating at every start of the fake would only cost
// start-up time.
func Load() (*openapi3.T, error) {
	doc := contract()
	if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	return doc, nil
}

// Parse loads an OpenAPI 3 document from YAML or JSON and validates it.
func Parse(data []byte) (*openapi3.T, error) {
	doc, err := load(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid spec: %w", err)
	}
	return doc, nil
}

func load(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	return doc, nil
}
