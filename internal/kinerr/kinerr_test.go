package kinerr_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/kinerr"
)

func schema(t *testing.T, src string) *openapi3.Schema {
	t.Helper()
	var s openapi3.Schema
	require.NoError(t, s.UnmarshalJSON([]byte(src)))
	return &s
}

func leaves(err error) []string {
	var out []string
	kinerr.Walk(err, func(e error) {
		if se := kinerr.Schema(e); se != nil {
			out = append(out, "schema "+kinerr.Pointer(se)+": "+se.Reason)
			return
		}
		out = append(out, "other: "+e.Error())
	})
	return out
}

func TestWalkOpensMultiErrorsAtAnyDepth(t *testing.T) {
	s := schema(t, `{"type":"object","required":["to"],"properties":{"role":{"type":"string","enum":["agent","customer"]},"a/b~c":{"type":"integer"}}}`)
	err := s.VisitJSON(map[string]any{"role": "HOLD", "a/b~c": "x"}, openapi3.MultiErrors())
	require.Error(t, err)
	wrapped := fmt.Errorf("validating: %w", &openapi3filter.ResponseError{Err: err})
	got := leaves(wrapped)
	assert.Equal(t, []string{
		`schema /a~1b~0c: value must be an integer`,
		`schema /role: value is not one of the allowed values ["agent","customer"]`,
		`schema /to: property "to" is missing`,
	}, sorted(got))
}

func TestWalkKeepsAParameterErrorWhole(t *testing.T) {
	inner := openapi3.MultiError{errors.New("a"), errors.New("b")}
	re := &openapi3filter.RequestError{Parameter: &openapi3.Parameter{Name: "phlo_id"}, Err: inner}
	var got []error
	kinerr.Walk(openapi3.MultiError{re, errors.New("c")}, func(e error) { got = append(got, e) })
	require.Len(t, got, 2)
	assert.Same(t, re, got[0])
	assert.EqualError(t, got[1], "c")
}

func TestWalkNil(t *testing.T) {
	kinerr.Walk(nil, func(error) { t.Fatal("leaf called for a nil error") })
	assert.Nil(t, kinerr.Schema(errors.New("plain")))
}

func sorted(s []string) []string { slices.Sort(s); return s }
