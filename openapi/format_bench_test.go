package openapi_test

import (
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// BenchmarkLoadFormat compares the ways of reading the contract: kin-openapi's
// loader on YAML and on JSON (it tries YAML first, which JSON also is), and
// encoding/json into openapi3.T followed by the loader's ref resolution.
func BenchmarkLoadFormat(b *testing.B) {
	js, _, err := openapi.Generate(contractInput(b, "json"))
	require.NoError(b, err)
	for _, bm := range []struct {
		name string
		load func() error
	}{
		{"kin-yaml", func() error { _, err := openapi3.NewLoader().LoadFromData(openapi.YAML); return err }},
		{"kin-json", func() error { _, err := openapi3.NewLoader().LoadFromData(js); return err }},
		{"encoding-json", func() error {
			doc := &openapi3.T{}
			if err := json.Unmarshal(js, doc); err != nil {
				return err
			}
			return openapi3.NewLoader().ResolveRefsIn(doc, nil)
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
