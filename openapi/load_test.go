package openapi_test

import (
	"strings"
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

// A value of the wrong kind is worded in the spec's terms, with its line and
// JSON pointer, never with our Go types (openapi3.Info).
func TestParseWrongKindNamesNoGoType(t *testing.T) {
	for src, want := range map[string]string{
		"openapi: 3.0.3\ninfo: []\npaths: {}\n":                    "line 2: found a list where an object belongs in /info",
		"openapi: 3.0.3\ninfo:\n  title: 5\npaths: {}\n":           "line 3: found a number where field title wants a string",
		"openapi: 3.0.3\ninfo: {title: t, version: v}\npaths: 7\n": "line 3: found a number `7` where an object belongs in /paths",
		`{"openapi": "3.0.3", "info": [], "paths": {}}`:            "json: found a list where an object belongs",
		`{"openapi": "3.0.3", "info": {"title": 5}, "paths": {}}`:  "json: found a number where field title wants a string",
	} {
		_, err := openapi.Parse([]byte(src))
		if err == nil {
			t.Errorf("%q: no error", src)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q:\n got %v\nwant it to contain %q", src, err, want)
		}
		if strings.Contains(err.Error(), "openapi3.") || strings.Contains(err.Error(), "Go value") {
			t.Errorf("%q: the error names a Go type: %v", src, err)
		}
	}
}
