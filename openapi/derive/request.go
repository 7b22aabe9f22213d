package derive

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/openapi/postman"
)

var skippedHeaders = map[string]bool{
	"content-type": true, "accept": true, "authorization": true, "user-agent": true, "content-length": true,
}

func (d *deriver) parameters(e *entry, names []string) {
	u := e.item.Request.URL
	for _, name := range names {
		p := openapi3.NewPathParameter(name).WithSchema(openapi3.NewStringSchema())
		for _, v := range u.Variables {
			if v.Key == name {
				p.Description = v.Description
				if v.Value != "" {
					p.Example = v.Value
				}
			}
		}
		e.op.AddParameter(p)
	}
	for _, q := range u.Query {
		if q.Key == "" {
			continue
		}
		p := openapi3.NewQueryParameter(q.Key).WithSchema(openapi3.NewStringSchema())
		p.Description = q.Description
		if q.Value != "" && !postmanVarRe.MatchString(q.Value) {
			p.Example = q.Value
		}
		e.op.AddParameter(p)
	}
	for _, h := range e.item.Request.Headers {
		if h.Key == "" || skippedHeaders[strings.ToLower(h.Key)] {
			continue
		}
		p := openapi3.NewHeaderParameter(h.Key).WithSchema(openapi3.NewStringSchema())
		p.Description = h.Description
		if h.Value != "" && !postmanVarRe.MatchString(h.Value) {
			p.Example = h.Value
		}
		e.op.AddParameter(p)
	}
}

func (d *deriver) requestBody(e *entry) {
	b := e.item.Request.Body
	if b == nil {
		return
	}
	ct, _ := postman.Header(e.item.Request.Headers, "Content-Type")
	switch {
	case b.Mode == "raw" && strings.TrimSpace(b.Raw) == "":
		return
	case b.IsJSON():
		e.media = orDefault(mediaType(ct), "application/json")
		v, err := postman.DecodeJSON(b.Raw)
		if err != nil {
			d.warn(e.path, "request body is not JSON (%v); no schema inferred", err)
			e.schema = &openapi3.Schema{}
			return
		}
		e.body = plain(v)
		e.schema = infer(v, false)
	case b.Mode == "raw":
		e.media = orDefault(mediaType(ct), rawMedia(b.Language))
		e.schema = openapi3.NewStringSchema()
		e.body = b.Raw
	case b.Mode == "urlencoded" || b.Mode == "formdata":
		fields := b.URLEncoded
		e.media = "application/x-www-form-urlencoded"
		if b.Mode == "formdata" {
			fields, e.media = b.FormData, "multipart/form-data"
		}
		s := openapi3.NewObjectSchema()
		ex := map[string]any{}
		for _, f := range fields {
			p := openapi3.NewStringSchema()
			p.Description = f.Description
			s.Properties[f.Key] = openapi3.NewSchemaRef("", p)
			ex[f.Key] = f.Value
		}
		e.schema, e.body = s, ex
	default:
		d.warn(e.path, "body mode %q is not translated", b.Mode)
	}
}

func rawMedia(lang string) string {
	switch strings.ToLower(lang) {
	case "xml":
		return "application/xml"
	case "html":
		return "text/html"
	case "javascript":
		return "application/javascript"
	}
	return "text/plain"
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// arguments applies the description's argument table to the body schema, or
// to the query parameters when there is no object body. The table wins.
func (d *deriver) arguments(e *entry) {
	args := parseArguments(e.op.Description)
	if len(args) == 0 {
		return
	}
	s := e.schema
	if s == nil && e.method != http.MethodGet && e.method != http.MethodHead && e.method != http.MethodDelete {
		s = openapi3.NewObjectSchema()
		e.schema, e.media = s, "application/json"
	}
	for _, a := range args {
		if p := e.op.Parameters.GetByInAndName(openapi3.ParameterInQuery, a.Name); p != nil {
			p.Required = a.Requirement == "required"
			p.Description = a.Description
			d.constrain(e.path, a, p.Schema.Value, nil, false)
			continue
		}
		if p := e.op.Parameters.GetByInAndName(openapi3.ParameterInPath, a.Name); p != nil {
			p.Description = a.Description
			continue
		}
		if s == nil || !s.Type.Is(openapi3.TypeObject) {
			d.warn(e.path, "argument %q is neither a query parameter nor a body field; ignored", a.Name)
			continue
		}
		ref, ok := s.Properties[a.Name]
		var example any
		if m, isMap := e.body.(map[string]any); isMap {
			example = m[a.Name]
		}
		if !ok {
			ref = openapi3.NewSchemaRef("", typeFromTable(a.Type))
			s.Properties[a.Name] = ref
		}
		ref.Value.Description = a.Description
		d.constrain(e.path, a, ref.Value, example, ok)
		if a.Requirement == "required" && !slices.Contains(s.Required, a.Name) {
			s.Required = append(s.Required, a.Name)
		}
	}
}

// constrain sets enum and default from the argument's description and warns
// where the example disagrees.
func (d *deriver) constrain(path string, a argument, s *openapi3.Schema, example any, hasExample bool) {
	if values := enumOf(a.Description); values != nil {
		s.Enum = nil
		for _, v := range values {
			tv, ok := typed(s, v)
			if !ok {
				d.warn(path, "argument %q: allowed value %q is not a %s; ignored", a.Name, v, typeName(s))
				continue
			}
			s.Enum = append(s.Enum, tv)
		}
		if hasExample && !slices.ContainsFunc(s.Enum, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(example) }) {
			d.warn(path, "argument %q: the example value %v is not among the allowed values %v", a.Name, example, values)
		}
	}
	if def, ok := defaultOf(a.Description); ok {
		tv, fits := typed(s, def)
		switch {
		case !fits:
			d.warn(path, "argument %q: default %q is not a %s; ignored", a.Name, def, typeName(s))
		case s.Enum != nil && !slices.Contains(s.Enum, tv):
			d.warn(path, "argument %q: default %q is not among the allowed values; ignored", a.Name, def)
		default:
			s.Default = tv
		}
	}
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		return "value"
	}
	return (*s.Type)[0]
}
