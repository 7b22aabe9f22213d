package derive

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/openapi/postman"
)

// operation adds the operation for one method and path. Several items there
// become one operation with a oneOf body discriminated by a constant field.
func (d *deriver) operation(group []*entry) {
	first := group[0]
	if len(group) > 1 {
		if field := discriminator(group); field != "" {
			d.union(group, field)
		} else {
			for _, e := range group[1:] {
				d.warn(e.path, "%s %s is also %q and no constant body field tells them apart; item skipped", e.method, e.route, first.path)
			}
		}
	} else if first.schema != nil {
		first.body = d.checkExample(first, first.schema)
		body := openapi3.NewRequestBody().WithContent(openapi3.Content{first.media: mediaOf(first.schema, first.body, first.item)})
		body.Required = len(first.schema.Required) > 0
		first.op.RequestBody = &openapi3.RequestBodyRef{Value: body}
	}
	op := first.op
	op.OperationID = d.uniqueID(first.path, op.OperationID)
	d.doc.AddOperation(first.route, first.method, op)
}

func mediaOf(schema *openapi3.Schema, example any, it *postman.Item) *openapi3.MediaType {
	mt := openapi3.NewMediaType().WithSchema(schema)
	if example != nil {
		addExample(mt, orDefault(SchemaName(it.Name), "Example"), it.Name, example)
	}
	return mt
}

func (d *deriver) uniqueID(path, id string) string {
	if d.opIDs == nil {
		d.opIDs = map[string]bool{}
	}
	if id == "" {
		id = "operation"
	}
	out := id
	for i := 2; d.opIDs[out]; i++ {
		out = id + strconv.Itoa(i)
	}
	if out != id {
		d.warn(path, "operationId %q is taken; using %q", id, out)
	}
	d.opIDs[out] = true
	return out
}

// checkExample returns the example body, or nil with a warning when the
// argument table (which wins) rejects it.
func (d *deriver) checkExample(e *entry, schema *openapi3.Schema) any {
	if e.body == nil {
		return nil
	}
	data, err := json.Marshal(e.body)
	if err != nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil
	}
	if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		d.warn(e.path, "the example body disagrees with the argument table, which wins; example left out: %s", firstLine(err.Error()))
		return nil
	}
	return e.body
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// discriminator finds a top-level string field that every item's example
// body has, with a different value in each. "action" wins when it qualifies.
func discriminator(group []*entry) string {
	var candidates []string
	for i, e := range group {
		m, ok := e.body.(map[string]any)
		if !ok || e.media != group[0].media {
			return ""
		}
		if i == 0 {
			for k, v := range m {
				if _, isString := v.(string); isString {
					candidates = append(candidates, k)
				}
			}
		}
	}
	sort.Strings(candidates)
	if i := slices.Index(candidates, "action"); i > 0 {
		candidates[0], candidates[i] = candidates[i], candidates[0]
	}
	for _, field := range candidates {
		seen := map[string]bool{}
		ok := true
		for _, e := range group {
			v, isString := e.body.(map[string]any)[field].(string)
			if !isString || seen[v] {
				ok = false
				break
			}
			seen[v] = true
		}
		if ok {
			return field
		}
	}
	return ""
}

// union merges the group into its first entry's operation, named after the
// items' common folder: one component schema and one example per item.
func (d *deriver) union(group []*entry, field string) {
	op := group[0].op
	if folder := commonFolder(group); folder != nil {
		op.OperationID = OperationID(folder.Name)
		op.Summary = folder.Name
		op.Description = folder.Description
	} else {
		d.warn(group[0].path, "items sharing %s %s are in no common folder; the operation takes the first item's name", group[0].method, group[0].route)
	}
	oneOf := &openapi3.Schema{Discriminator: &openapi3.Discriminator{PropertyName: field, Mapping: map[string]openapi3.MappingRef{}}}
	mt := openapi3.NewMediaType().WithSchema(oneOf)
	required := false
	for _, e := range group {
		name := orDefault(SchemaName(e.item.Name), "Variant")
		if _, taken := d.doc.Components.Schemas[name]; taken {
			d.warn(e.path, "schema name %q is taken; item skipped", name)
			continue
		}
		value := e.body.(map[string]any)[field].(string)
		e.schema.Properties[field].Value.Enum = []any{value}
		if !slices.Contains(e.schema.Required, field) {
			e.schema.Required = append(e.schema.Required, field)
		}
		e.schema.Title = e.item.Name
		required = required || len(e.schema.Required) > 0
		d.doc.Components.Schemas[name] = openapi3.NewSchemaRef("", e.schema)
		ref := "#/components/schemas/" + name
		oneOf.OneOf = append(oneOf.OneOf, openapi3.NewSchemaRef(ref, nil))
		oneOf.Discriminator.Mapping[value] = openapi3.MappingRef{Ref: ref}
		if ex := d.checkExample(e, e.schema); ex != nil {
			addExample(mt, name, e.item.Name, ex)
		}
		if e != group[0] {
			d.mergeInto(op, e)
		}
	}
	body := openapi3.NewRequestBody().WithContent(openapi3.Content{group[0].media: mt})
	body.Required = required
	op.RequestBody = &openapi3.RequestBodyRef{Value: body}
}

// mergeInto adds e's parameters and responses to op.
func (d *deriver) mergeInto(op *openapi3.Operation, e *entry) {
	for _, p := range e.op.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			op.AddParameter(p.Value)
		}
	}
	for code, ref := range e.op.Responses.Map() {
		have := op.Responses.Value(code)
		if have == nil {
			op.Responses.Set(code, ref)
			continue
		}
		if d1, d2 := have.Value.Description, ref.Value.Description; d1 != nil && d2 != nil && *d1 != *d2 {
			// Each item named its saved response after itself; the merged
			// response is all of them.
			if n, err := strconv.Atoi(code); err == nil && http.StatusText(n) != "" {
				text := http.StatusText(n)
				have.Value.Description = &text
			}
		}
		for media, mt := range ref.Value.Content {
			hmt := have.Value.Content.Get(media)
			if hmt == nil {
				if have.Value.Content == nil {
					have.Value.Content = openapi3.Content{}
				}
				have.Value.Content[media] = mt
				continue
			}
			if !sameShape(hmt.Schema.Value, mt.Schema.Value) {
				hmt.Schema.Value = merge(hmt.Schema.Value, mt.Schema.Value)
			}
			keys := make([]string, 0, len(mt.Examples))
			for k := range mt.Examples {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ex := mt.Examples[k].Value
				addExample(hmt, k, ex.Summary, ex.Value)
			}
		}
	}
}

// commonFolder is the deepest folder that holds every item of the group.
func commonFolder(group []*entry) *postman.Item {
	var common *postman.Item
	for depth := 0; ; depth++ {
		var f *postman.Item
		for _, e := range group {
			if depth >= len(e.folders) {
				return common
			}
			if f == nil {
				f = e.folders[depth]
			} else if e.folders[depth] != f {
				return common
			}
		}
		common = f
	}
}
