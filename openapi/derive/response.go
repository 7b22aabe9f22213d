package derive

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/openapi/postman"
)

var noisyHeaders = map[string]bool{
	"content-type": true, "content-length": true, "date": true, "connection": true, "server": true,
	"transfer-encoding": true, "keep-alive": true, "vary": true, "content-encoding": true, "etag": true,
}

func (d *deriver) responses(e *entry, saved []postman.Response) {
	e.op.Responses = openapi3.NewResponses()
	e.op.Responses.Delete("default")
	for i, r := range saved {
		if r.Code < 100 || r.Code > 599 {
			d.warn(e.path, "saved response %d (%q) has no valid status code; skipped", i+1, r.Name)
			continue
		}
		code := strconv.Itoa(r.Code)
		var resp *openapi3.Response
		if ref := e.op.Responses.Value(code); ref != nil {
			resp = ref.Value
		} else {
			desc := r.Name
			if desc == "" {
				desc = orDefault(r.Status, http.StatusText(r.Code))
			}
			resp = &openapi3.Response{Description: &desc}
			e.op.Responses.Set(code, &openapi3.ResponseRef{Value: resp})
		}
		for _, h := range r.Headers {
			if h.Key == "" || noisyHeaders[strings.ToLower(h.Key)] {
				continue
			}
			if resp.Headers == nil {
				resp.Headers = openapi3.Headers{}
			}
			hd := &openapi3.Header{Parameter: openapi3.Parameter{Schema: openapi3.NewSchemaRef("", openapi3.NewStringSchema()), Example: h.Value, Description: h.Description}}
			resp.Headers[h.Key] = &openapi3.HeaderRef{Value: hd}
		}
		if strings.TrimSpace(r.Body) == "" {
			continue
		}
		ct, _ := postman.Header(r.Headers, "Content-Type")
		var media string
		var schema *openapi3.Schema
		var example any
		if v, err := postman.DecodeJSON(r.Body); err == nil && (r.Language == "" || strings.EqualFold(r.Language, "json") || strings.Contains(mediaType(ct), "json")) {
			media = orDefault(mediaType(ct), "application/json")
			schema, example = infer(v, true), plain(v)
		} else {
			if strings.EqualFold(r.Language, "json") || strings.Contains(mediaType(ct), "json") {
				d.warn(e.path, "saved response %q: body is not JSON (%v); kept as text", r.Name, err)
			}
			media = orDefault(mediaType(ct), rawMedia(r.Language))
			schema, example = openapi3.NewStringSchema(), r.Body
		}
		if resp.Content == nil {
			resp.Content = openapi3.Content{}
		}
		mt := resp.Content.Get(media)
		if mt == nil {
			mt = openapi3.NewMediaType().WithSchema(schema)
			resp.Content[media] = mt
		} else if !sameShape(mt.Schema.Value, schema) {
			mt.Schema.Value = merge(mt.Schema.Value, schema)
		}
		name := orDefault(SchemaName(r.Name), "Example")
		addExample(mt, name, r.Name, example)
	}
	if e.op.Responses.Len() == 0 {
		d.warn(e.path, "no saved response; a bare 200 response stands in")
		desc := "OK"
		e.op.Responses.Set("200", &openapi3.ResponseRef{Value: &openapi3.Response{Description: &desc}})
	}
}

// merge widens a to accept b as well: for objects, the union of properties,
// required only where both require. Other shapes keep a.
func merge(a, b *openapi3.Schema) *openapi3.Schema {
	if !a.Type.Is(openapi3.TypeObject) || !b.Type.Is(openapi3.TypeObject) {
		return a
	}
	out := *a
	out.Properties = openapi3.Schemas{}
	for k, v := range a.Properties {
		out.Properties[k] = v
	}
	for k, v := range b.Properties {
		if _, ok := out.Properties[k]; !ok {
			out.Properties[k] = v
		}
	}
	out.Required = nil
	for _, r := range a.Required {
		if slices.Contains(b.Required, r) {
			out.Required = append(out.Required, r)
		}
	}
	return &out
}

func addExample(mt *openapi3.MediaType, name, summary string, value any) {
	if mt.Examples == nil {
		mt.Examples = openapi3.Examples{}
	}
	key := name
	for i := 2; mt.Examples[key] != nil; i++ {
		key = name + strconv.Itoa(i)
	}
	ex := openapi3.NewExample(value)
	ex.Summary = summary
	mt.Examples[key] = &openapi3.ExampleRef{Value: ex}
}
