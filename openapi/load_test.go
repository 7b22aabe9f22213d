package openapi_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// TestEmbeddedSpecValid is the validation Load leaves out at run time: the
// embedded contract must pass kin-openapi's Validate, as Parse requires.
func TestEmbeddedSpecValid(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	require.NoError(t, doc.Validate(t.Context()), "the embedded contract is not valid")
	_, err = openapi.Parse(openapi.YAML)
	require.NoError(t, err, "Parse refuses the embedded contract")
}

func TestLoadFresh(t *testing.T) {
	a, err := openapi.Load()
	require.NoError(t, err)
	b, err := openapi.Load()
	require.NoError(t, err)
	require.NotSame(t, a, b, "Load must return a fresh document each call")
	a.Info.Title = "changed"
	require.NotEqual(t, "changed", b.Info.Title)
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openapi.Load(); err != nil {
			b.Fatal(err)
		}
	}
}
