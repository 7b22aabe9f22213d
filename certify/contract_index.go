package certify

import (
	"fmt"
	"slices"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/internal/kinerr"
)

// contractIndex finds, in the contract, each operation's route and request
// body schema, and the schema of each action of the operations whose body
// is a oneOf selected by "action".
type contractIndex struct {
	ops    map[string]*openapi3.Schema
	routes map[string]string // operation id -> "METHOD /path/{template}"
	query  map[string]bool   // "operationId name" of each declared query parameter
}

func newContractIndex(doc *openapi3.T) *contractIndex {
	b := &contractIndex{ops: map[string]*openapi3.Schema{}, routes: map[string]string{}, query: map[string]bool{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			b.routes[op.OperationID] = method + " " + path
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					b.query[op.OperationID+" "+p.Value.Name] = true
				}
			}
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				b.ops[op.OperationID] = mt.Schema.Value
			}
		}
	}
	return b
}

func (b *contractIndex) body(opID string) *openapi3.Schema { return b.ops[opID] }

// declaresQuery reports whether the operation declares the query parameter
// (the contract declares none today).
func (b *contractIndex) declaresQuery(opID, name string) bool { return b.query[opID+" "+name] }

// variant is the schema a body of that action must follow.
func (b *contractIndex) variant(opID, action string) *openapi3.Schema {
	s := b.ops[opID]
	if s == nil || len(s.OneOf) == 0 {
		return s
	}
	for _, ref := range s.OneOf {
		v := ref.Value
		if v == nil {
			continue
		}
		if a := v.Properties["action"]; a != nil && a.Value != nil && slices.Contains(a.Value.Enum, any(action)) {
			return v
		}
	}
	return nil
}

type strictViolation struct {
	field string
	text  string
}

// strictViolations checks a body against schema: a property left out takes
// its documented default, as the API does, but "" and null are values, and
// the contract's enum and type rules apply to them.
func strictViolations(schema *openapi3.Schema, obj map[string]any) []strictViolation {
	withDefaults := make(map[string]any, len(obj))
	for k, v := range obj {
		withDefaults[k] = v
	}
	for name, p := range schema.Properties {
		if _, present := obj[name]; !present && p.Value != nil && p.Value.Default != nil {
			withDefaults[name] = p.Value.Default
		}
	}
	err := schema.VisitJSON(withDefaults, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	if err == nil {
		return nil
	}
	var out []strictViolation
	kinerr.Walk(err, func(err error) {
		if se := kinerr.Schema(err); se != nil {
			ptr := se.JSONPointer()
			field := ""
			if len(ptr) > 0 {
				field = ptr[0]
			}
			where := "the body"
			if field != "" {
				where = field + " " + jsonText(se.Value)
			}
			out = append(out, strictViolation{field: field, text: fmt.Sprintf("%s breaks the contract: %s", where, se.Reason)})
			return
		}
		out = append(out, strictViolation{text: "the body breaks the contract: " + err.Error()})
	})
	sort.SliceStable(out, func(a, b int) bool { return out[a].text < out[b].text })
	return out
}
