package openapi_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/phlomock/phlomock/internal/formats"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// An example is what tools that read the contract show and serve (Prism
// answers a 401 with the 401's example): every example of the spec, of a
// parameter, a request body or a response, named or not, must validate
// against the schema it sits beside, formats included.
func TestExamplesValidate(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	var n int
	check := func(where string, schema *openapi3.SchemaRef, example any) {
		if schema == nil || schema.Value == nil || example == nil {
			return
		}
		n++
		err := schema.Value.VisitJSON(example, append(formats.Options(), openapi3.MultiErrors())...)
		assert.NoErrorf(t, err, "%s: the example does not validate against its schema", where)
	}
	media := func(where string, content openapi3.Content) {
		for ct, mt := range content {
			check(where+" "+ct+" example", mt.Schema, mt.Example)
			for name, ex := range mt.Examples {
				if ex != nil && ex.Value != nil {
					check(where+" "+ct+" examples."+name, mt.Schema, ex.Value.Value)
				}
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			at := method + " " + path
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if p.Value != nil {
					check(at+" parameter "+p.Value.Name, p.Value.Schema, p.Value.Example)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				media(at+" request", op.RequestBody.Value.Content)
			}
			for code, r := range op.Responses.Map() {
				if r.Value != nil {
					media(at+" "+code, r.Value.Content)
				}
			}
		}
	}
	for name, r := range doc.Components.Responses {
		if r.Value != nil {
			media("components.responses."+name, r.Value.Content)
		}
	}
	require.Greater(t, n, 80, "examples checked: the walk found too few")
	t.Logf("%d examples validated", n)
}

// The error examples say the truth for their status: the texts the fake
// answers with (a wrong token's 401, the built-in scenarios' 404, 429 and
// 500), one text per status, never the 400's "to is a mandatory param."
// on a 401.
func TestErrorExamplesFitTheirStatus(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	want := map[string]string{
		"401": mockserver.AuthenticationFailed,
		"403": "Forbidden",
		"404": builtinError(t, "unknown-phlo"),
		"429": builtinError(t, "rate-limited"),
		"500": builtinError(t, "server-error"),
	}
	seen := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				status, _ := strconv.Atoi(code)
				if status < 400 || r.Value == nil {
					continue
				}
				mt := r.Value.Content.Get("application/json")
				require.NotNilf(t, mt, "%s %s %s: no JSON answer", method, path, code)
				ex, _ := mt.Example.(map[string]any)
				require.NotNilf(t, ex, "%s %s %s: no example", method, path, code)
				text, _ := ex["error"].(string)
				seen++
				switch code {
				case "400":
					assert.Equal(t, "to is a mandatory param.", text, "%s %s %s", method, path, code)
				case "413":
					assert.Contains(t, text, "Request body too large", "%s %s %s", method, path, code)
				case "415":
					assert.Contains(t, text, "Unsupported Content-Type", "%s %s %s", method, path, code)
				default:
					w, ok := want[code]
					require.Truef(t, ok, "%s %s: status %s has no known text: add it here", method, path, code)
					assert.Equalf(t, w, text, "%s %s %s: the example's error", method, path, code)
				}
			}
			if r := op.Responses.Value("429"); r != nil {
				assert.Contains(t, r.Value.Headers, "Retry-After", "%s %s: 429 declares Retry-After, which the fake sends", method, path)
			}
		}
	}
	assert.GreaterOrEqual(t, seen, 43, "error examples")
}

// builtinError is the "error" of the first rule of a built-in scenario.
func builtinError(tb testing.TB, name string) string {
	tb.Helper()
	s, err := scenarios.Builtin(name)
	require.NoError(tb, err)
	require.NotEmpty(tb, s.Rules, name)
	body, _ := s.Rules[0].Respond.Body.(map[string]any)
	text, _ := body["error"].(string)
	require.NotEmptyf(tb, text, "%s: no error text in its first rule", name)
	return text
}

// YAML 1.1 readers (PyYAML, and Dredd through it) resolve some plain
// scalars to timestamps or booleans: every string of the spec must be a
// string to them too. The check reads the file's own nodes: a plain scalar
// that decodes to a string in JSON must not look like a 1.1 timestamp,
// boolean or sexagesimal number.
func TestSpecStringsStayStringsInYAML11(t *testing.T) {
	var root yaml.Node
	data, err := os.ReadFile("phlorunner.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &root))
	var bad []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" && looksYAML11(n.Value) {
			bad = append(bad, fmt.Sprintf("line %d: %s", n.Line, n.Value))
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	sort.Strings(bad)
	assert.Empty(t, bad, "plain scalars a YAML 1.1 reader takes for another type: quote them")
}

// looksYAML11 is YAML 1.1's implicit timestamp (a date, with a time after
// T or blanks), its booleans and its base-60 numbers, from the 1.1 type
// repository, written apart from the generator's own pattern.
func looksYAML11(v string) bool {
	switch strings.ToLower(v) {
	case "y", "yes", "n", "no", "on", "off":
		return true
	}
	if date.MatchString(v) || sexagesimal.MatchString(v) {
		return true
	}
	return false
}

var (
	date        = regexp.MustCompile(`^\d{4}-\d\d?-\d\d?(?:$|[Tt]|\s+\d)`)
	sexagesimal = regexp.MustCompile(`^[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?$`)
)
