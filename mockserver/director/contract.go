package director

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/scenarios"
)

// Operations describes doc's operations as scenarios.CheckRules needs them:
// method, path template, path parameters and the enums of top-level body
// fields (over every body shape: oneOf, anyOf and allOf branches, every
// media type), sorted by id.
func Operations(doc *openapi3.T) []scenarios.Operation {
	var ops []scenarios.Operation
	if doc == nil || doc.Paths == nil {
		return nil
	}
	for tmpl, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := scenarios.Operation{ID: op.OperationID, Method: strings.ToUpper(method), Path: tmpl}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath && !slices.Contains(o.PathParams, p.Value.Name) {
					o.PathParams = append(o.PathParams, p.Value.Name)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				o.BodyEnums = bodyEnums(op.RequestBody.Value.Content)
			}
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b scenarios.Operation) int { return strings.Compare(a.ID, b.ID) })
	return ops
}

// bodyEnums collects, per top-level field, the enum values of every body
// shape; a field one shape leaves free is left out.
func bodyEnums(content openapi3.Content) map[string][]string {
	enums := map[string][]string{}
	free := map[string]bool{}
	var walk func(s *openapi3.SchemaRef)
	walk = func(s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		v := s.Value
		for name, p := range v.Properties {
			if p == nil || p.Value == nil || len(p.Value.Enum) == 0 {
				free[name] = true
				continue
			}
			for _, e := range p.Value.Enum {
				if t := enumText(e); !slices.Contains(enums[name], t) {
					enums[name] = append(enums[name], t)
				}
			}
		}
		for _, group := range [][]*openapi3.SchemaRef{v.OneOf, v.AnyOf, v.AllOf} {
			for _, b := range group {
				walk(b)
			}
		}
	}
	for _, mt := range content {
		if mt != nil {
			walk(mt.Schema)
		}
	}
	for name := range free {
		delete(enums, name)
	}
	for _, vs := range enums {
		slices.Sort(vs) // media types come in map order
	}
	return enums
}

func enumText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return asText(v)
}
