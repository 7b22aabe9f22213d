package openapi

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/internal/lazyre"
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
		return nil, fmt.Errorf("load spec: %s", plainKinds(err.Error()))
	}
	return doc, nil
}

// wrongKind is how YAML and JSON decoding word a value of the wrong kind,
// with our Go types: "cannot construct !!seq into openapi3.Info", "cannot
// unmarshal !!int into string field \"title\"", "cannot unmarshal number
// into field Info.title of type string".
var wrongKind = lazyre.New("cannot (?:unmarshal|construct) (!!\\w+|\\w+)( `[^`]*`)? into " +
	`(?:value of type ([^\s,]+)|field [^\s,]*?\.?(\w+) of type ([^\s,]+)|([^\s,]+) field "([^"]*)"|([^\s,]+))`)

// plainKinds rewrites the decoder's Go type names (openapi3.Info,
// map[string]*openapi3.PathItem), which name our implementation and not the
// document, into the kinds a spec's author writes: "found a list where an
// object belongs".
func plainKinds(msg string) string {
	return wrongKind.ReplaceAllStringFunc(msg, func(m string) string {
		g := wrongKind.FindStringSubmatch(m)
		got := kindOf(g[1]) + g[2]
		switch {
		case g[3] != "":
			return "found " + got + " where " + kindOf(g[3]) + " belongs"
		case g[5] != "":
			return "found " + got + " where field " + g[4] + " wants " + kindOf(g[5])
		case g[6] != "":
			return "found " + got + " where field " + g[7] + " wants " + kindOf(g[6])
		}
		return "found " + got + " where " + kindOf(g[8]) + " belongs"
	})
}

func kindOf(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case t == "!!seq" || t == "array" || strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "!!map" || t == "object" || strings.HasPrefix(t, "map[") || strings.Contains(t, "."):
		return "an object"
	case t == "!!str" || t == "string":
		return "a string"
	case t == "!!bool" || t == "bool":
		return "a boolean"
	case t == "!!int" || t == "!!float" || t == "number" || strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float"):
		return "a number"
	case t == "!!null":
		return "null"
	}
	return "a " + strings.TrimPrefix(t, "!!")
}
