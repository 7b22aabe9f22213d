package contract

import (
	"encoding/json"
	"regexp"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// sample builds a valid instance of an object schema: the example when
// there is one, else every property from its enum, default or a value that
// fits its pattern.
func sample(s *openapi3.Schema, example any) (json.RawMessage, error) {
	if example != nil {
		data, err := json.Marshal(example)
		if err != nil {
			return nil, err
		}
		return data, s.VisitJSON(mustDecode(data))
	}
	m := map[string]any{}
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name].Value
		if p == nil || (!slices.Contains(s.Required, name) && p.Default == nil) {
			continue
		}
		m[name] = sampleValue(name, p)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return data, s.VisitJSON(mustDecode(data))
}

// Phone numbers from Plivo's documentation: fictional 415 numbers.
var samplePhones = map[string]string{"to": "+14152225555", "trigger_source": "+14152223333", "from": "+14152223333"}

func sampleValue(name string, p *openapi3.Schema) any {
	switch {
	case p.Example != nil:
		return p.Example
	case p.Default != nil:
		return p.Default
	case len(p.Enum) > 0:
		return p.Enum[0]
	}
	if p.Type != nil && p.Type.Is("string") {
		candidates := []string{"+14152225555"}
		if phone, ok := samplePhones[name]; ok {
			candidates = append([]string{phone}, candidates...)
		}
		for _, c := range candidates {
			if p.Pattern == "" {
				return c
			}
			if re, err := regexp.Compile(p.Pattern); err == nil && re.MatchString(c) {
				return c
			}
		}
		return "phlomock"
	}
	if p.Type != nil && (p.Type.Is("integer") || p.Type.Is("number")) {
		return 1
	}
	if p.Type != nil && p.Type.Is("boolean") {
		return true
	}
	return map[string]any{}
}

func mustDecode(data []byte) any {
	var v any
	_ = json.Unmarshal(data, &v)
	return v
}
