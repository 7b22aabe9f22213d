package mockserver

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/formats"
	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/openapi"
)

// fastSchemas are the fast-path schemas of the contract's request bodies,
// with the kin-openapi schemas they stand for.
func fastSchemas(tb testing.TB) map[string]struct {
	fast   *fastObject
	schema *openapi3.Schema
} {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	s, err := New(doc, Options{})
	require.NoError(tb, err)
	out := map[string]struct {
		fast   *fastObject
		schema *openapi3.Schema
	}{}
	for _, op := range s.ops {
		if op.body == nil {
			continue
		}
		if op.body.discProp == "" {
			out[op.id] = struct {
				fast   *fastObject
				schema *openapi3.Schema
			}{op.body.fast, op.body.schema}
		}
		for _, v := range op.body.variants {
			out[op.id+"/"+v.value] = struct {
				fast   *fastObject
				schema *openapi3.Schema
			}{v.fast, v.schema}
		}
	}
	return out
}

// checkFastPath fails when the fast path disagrees with the generic one:
// parseFlat must read a body exactly as encoding/json plus strictJSON do,
// and fastObject.valid may say valid only when kin-openapi does.
func checkFastPath(t *testing.T, schemas map[string]struct {
	fast   *fastObject
	schema *openapi3.Schema
}, body string) {
	t.Helper()
	trimmed := strings.TrimSpace(body)
	flat, ok := jsonread.Parse(trimmed)
	if !ok {
		return
	}
	generic, v := decodeGeneric([]byte(trimmed))
	if v != nil {
		t.Fatalf("parseFlat read %q as %v, the generic path refuses it: %s", body, flat, v.Message)
	}
	assert.Equal(t, generic, flat, "body %q", body)
	for name, s := range schemas {
		if s.fast == nil || !s.fast.valid(flat) {
			continue
		}
		if err := s.schema.VisitJSON(generic, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
			t.Fatalf("%s: the fast path accepts %q, kin-openapi refuses it: %v", name, body, err)
		}
	}
}

var fastPathBodies = []string{
	`{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`,
	`{"action":"call","to":"sip:alice123@phone.plivo.com","role":"customer","trigger_source":"+14152223333"}`,
	"{\n\t\"action\" : \"hold\" ,\r\n \"extra\": true, \"n\": null, \"f\": false }",
	`{"action":"hangup"}`,
	`{}`,
	`{ }`,
	`{"to":"+1415222555555555555"}`,
	`{"to":"sip:a b@c"}`,
	`{"to":"sip:a` + "\u00a0" + `b@c","action":"call","role":"agent","trigger_source":"+1"}`,
	`{"role":"Agent","action":"cold_transfer","to":"+1","trigger_source":"+1"}`,
	`{"role":"","action":"cold_transfer","to":"+1","trigger_source":"+1"}`,
	`{"action":"call","action":"hold"}`,
	`{"action":"call",}`,
	`{"action":"call"}}`,
	`{"action":"call"`,
	`{"action":"c\u0061ll"}`,
	`{"action":1}`,
	`{"action":["call"]}`,
	`{"action":"call","to":"` + "\x01" + `"}`,
	"{\"action\":\"\xff\"}",
	`{"action":tru}`,
	`{"action":nulll}`,
	`{"a":"b" "c":"d"}`,
	`{"a" "b"}`,
	`{,}`,
	`{"":""}`,
	`{"action":"call"} `,
}

func TestFastPathAgrees(t *testing.T) {
	schemas := fastSchemas(t)
	for name, s := range schemas {
		assert.NotNil(t, s.fast, "%s: the contract's body schemas all take the fast path", name)
	}
	for _, body := range fastPathBodies {
		t.Run(body, func(t *testing.T) { checkFastPath(t, schemas, body) })
	}
}

func TestParseFlat(t *testing.T) {
	tests := []struct {
		body string
		want map[string]any
		ok   bool
	}{
		{`{}`, map[string]any{}, true},
		{`{"a":"b","c":true,"d":false,"e":null}`, map[string]any{"a": "b", "c": true, "d": false, "e": nil}, true},
		{` {"a":"b"}`, nil, false}, // callers trim
		{`{"a":"b","a":"c"}`, nil, false},
		{`{"a":1}`, nil, false},
		{`{"a":"\n"}`, nil, false},
		{`{"a":{}}`, nil, false},
		{`{"a":"b",}`, nil, false},
		{`{"a":"b"}x}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got, ok := jsonread.Parse(tt.body)
			assert.Equal(t, tt.ok, ok, "got ok %v, want %v", ok, tt.ok)
			if tt.ok {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestCompileFastRefuses(t *testing.T) {
	str := &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}
	f := false
	tests := map[string]*openapi3.Schema{
		"no type":                    {Properties: openapi3.Schemas{"a": str}},
		"number property":            openapi3.NewObjectSchema().WithProperty("a", openapi3.NewFloat64Schema()),
		"format other than uuid":     openapi3.NewObjectSchema().WithProperty("a", openapi3.NewDateTimeSchema()),
		"no additional properties":   {Type: &openapi3.Types{"object"}, AdditionalProperties: openapi3.AdditionalProperties{Has: &f}},
		"min properties":             {Type: &openapi3.Types{"object"}, MinProps: 1},
		"oneOf":                      {Type: &openapi3.Types{"object"}, OneOf: openapi3.SchemaRefs{{Value: openapi3.NewObjectSchema()}}},
		"read-only property":         openapi3.NewObjectSchema().WithProperty("a", &openapi3.Schema{Type: &openapi3.Types{"string"}, ReadOnly: true}),
		"non-string enum":            openapi3.NewObjectSchema().WithProperty("a", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{1.0}}),
		"nullable or string":         openapi3.NewObjectSchema().WithProperty("a", &openapi3.Schema{Type: &openapi3.Types{"string", "null"}}),
		"broken pattern is reported": openapi3.NewObjectSchema().WithProperty("a", &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: "("}),
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Nil(t, compileFast(s), "got a fast path, want none")
		})
	}
}

// FuzzFastPath checks on any body that the fast path reads what the generic
// path reads and accepts only what kin-openapi accepts.
func FuzzFastPath(f *testing.F) {
	for _, b := range fastPathBodies {
		f.Add(b)
	}
	schemas := fastSchemas(f)
	f.Fuzz(func(t *testing.T, body string) { checkFastPath(t, schemas, body) })
}

// The answer check's fast path says valid only when kin-openapi does, for
// every status the contract documents, and it takes the plain answers.
func TestFastAnswerAgrees(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	s, err := New(doc, Options{})
	require.NoError(t, err)
	const u = `"0e6c6e9c-5ad6-4c33-9d7b-6b1ff8f4c2f1"`
	bodies := []string{
		`{"api_id":` + u + `,"error":""}`,
		`{"api_id":` + u + `,"error":"PHLO not found"}`,
		`{"api_id":` + u + `}`,
		`{"error":""}`,
		`{"api_id":"not-a-uuid","error":"x"}`,
		`{"api_id":"0e6c6e9c-5ad6-0c33-9d7b-6b1ff8f4c2f1","error":"x"}`,
		`{"api_id":` + u + `,"error":"","extra":"x"}`,
		`{"api_id":1,"error":""}`,
		`{"api_id":null,"error":""}`,
		`{"api_id":` + u + `,"error":{"x":"y"}}`,
		`{"api_id":` + u + `,"api_id":"b","error":""}`,
		`{"api_id":` + u + `,"error":"\u0041"}`,
		`{"api_id":` + u + `,"phlo_id":"P","name":"n","created_on":"2020-08-01 09:05:11.846982+00:00"}`,
		`{"api_id":` + u + `,"node_id":"N","phlo_id":"P","name":"n","node_type":"multi_party_call","created_on":"x"}`,
		`{"api_id":` + u + `,"phlo_id":"P","phlo_run_id":` + u + `,"message":"m"}`,
		`{}`, `[]`, `"x"`, `not json`, ``,
	}
	took := 0
	for _, op := range s.ops {
		for status := range op.fastAnswers {
			for _, ct := range []string{"application/json", "application/json; charset=utf-8", "text/plain"} {
				for _, body := range bodies {
					if !op.answerValid(status, ct, []byte(body)) {
						continue
					}
					took++
					r, _ := http.NewRequest(op.method, "http://x"+op.path, nil)
					in := &openapi3filter.ResponseValidationInput{
						RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, Route: op.route},
						Status:                 status,
						Header:                 http.Header{"Content-Type": {ct}},
						Body:                   io.NopCloser(strings.NewReader(body)),
						Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
					}
					assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "%s %d %s %s", op.id, status, ct, body)
					in.Body = io.NopCloser(strings.NewReader(body))
					in.Options = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, SchemaValidationOptions: formats.Options()}
					assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "with formats: %s %d %s %s", op.id, status, ct, body)
				}
			}
		}
	}
	assert.Greater(t, took, 20, "the fast path took too few answers to be exercised")
	for _, op := range s.ops {
		if op.answerValid(op.success, "text/plain", []byte(bodies[0])) {
			t.Errorf("%s: the fast path took a text/plain answer", op.id)
		}
		for status := range op.fastAnswers {
			for _, bad := range bodies[4:6] { // api_ids that are not RFC 9562 UUIDs
				assert.False(t, op.answerValid(status, "application/json", []byte(bad)), "%s %d took %s", op.id, status, bad)
			}
		}
	}
}

// TestMatcherAgrees checks that a matcher answers what its regular
// expression does, for strings it has seen match, strings sharing their
// slot, strings it refused and strings too long to keep, each asked
// several times.
func TestMatcherAgrees(t *testing.T) {
	m := compilePattern(`^(\+?[0-9]{1,15}|sip:[^\s@]+@[^\s@]+)$`)
	require.NotNil(t, m)
	var inputs []string
	for i := range 500 { // more strings than slots: every slot is shared
		inputs = append(inputs, fmt.Sprintf("+1415%07d", i), fmt.Sprintf("+1415%07dx", i), fmt.Sprintf("sip:a%d@b", i), fmt.Sprintf("sip:a %d@b", i))
	}
	inputs = append(inputs, "", "+", "+1234567890123456", "sip:"+strings.Repeat("a", matcherMaxLen)+"@b", "sip:"+strings.Repeat("a", matcherMaxLen)+" @b")
	for round := range 3 {
		for _, s := range inputs {
			if got, want := m.MatchString(s), m.re.MatchString(s); got != want {
				t.Fatalf("round %d: %q: got %v, want %v", round, s, got, want)
			}
		}
	}
	kept := 0
	for i := range m.seen {
		if p := m.seen[i].Load(); p != nil {
			kept++
			assert.True(t, m.re.MatchString(*p), "a kept string matches: %q", *p)
			assert.LessOrEqual(t, len(*p), matcherMaxLen)
		}
	}
	assert.Positive(t, kept, "matches are kept")
}

// TestMatcherKeepsTwoSharingASlot: two numbers sent in turn whose first
// slot is the same are both kept, so neither is matched again each time.
func TestMatcherKeepsTwoSharingASlot(t *testing.T) {
	m := &matcher{re: regexp.MustCompile(`^\+?[0-9]{1,15}$`)}
	first := map[uint64]string{}
	var x, y string
	for i := 0; x == ""; i++ {
		s := fmt.Sprintf("+1415%07d", i)
		slot := maphash.String(matcherSeed, s) % matcherSlots
		if other, ok := first[slot]; ok {
			x, y = other, s
		}
		first[slot] = s
	}
	for range 4 {
		require.True(t, m.MatchString(x))
		require.True(t, m.MatchString(y))
	}
	kept := map[string]bool{}
	for i := range m.seen {
		if p := m.seen[i].Load(); p != nil {
			kept[*p] = true
		}
	}
	assert.True(t, kept[x] && kept[y], "got %v kept, want %q and %q", kept, x, y)
}
