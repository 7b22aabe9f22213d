package derive

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/openapi/postman"
)

// Warning is something derive could not translate. Item is the item's path
// (folder and item names joined by "/"), empty for the collection itself.
type Warning struct {
	Item    string
	Message string
}

func (w Warning) String() string {
	if w.Item == "" {
		return w.Message
	}
	return fmt.Sprintf("%s: %s", w.Item, w.Message)
}

// Security scheme names. They are API: overlays and other code refer to them.
const (
	BasicAuth  = "basicAuth"
	BearerAuth = "bearerAuth"
	APIKeyAuth = "apiKeyAuth"
)

// Derive translates c into an OpenAPI 3.0 document. It never fails: what it
// cannot translate is left out and reported in the warnings, in document order.
func Derive(c *postman.Collection) (*openapi3.T, []Warning) {
	d := &deriver{c: c, doc: &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:       c.Name,
			Version:     c.Version,
			Description: c.Description,
		},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}}
	if d.doc.Info.Title == "" {
		d.doc.Info.Title = "Untitled collection"
	}
	if d.doc.Info.Version == "" {
		d.doc.Info.Version = "1.0"
	}
	if c.Auth != nil {
		if req, ok := d.security("", c.Auth); ok && len(req) > 0 {
			d.doc.Security = openapi3.SecurityRequirements{req}
		}
	}
	for _, it := range c.Items {
		if it.IsFolder() && it.Description != "" {
			d.doc.Tags = append(d.doc.Tags, &openapi3.Tag{Name: it.Name, Description: it.Description})
		}
	}
	c.Walk(d.item)
	for _, key := range d.order {
		d.operation(d.groups[key])
	}
	if len(d.doc.Components.Schemas) == 0 {
		d.doc.Components.Schemas = nil
	}
	if len(d.doc.Components.SecuritySchemes) == 0 {
		d.doc.Components.SecuritySchemes = nil
	}
	return d.doc, d.warnings
}

type deriver struct {
	c        *postman.Collection
	doc      *openapi3.T
	warnings []Warning
	groups   map[string][]*entry // by "METHOD /path"
	order    []string
	opIDs    map[string]bool
}

// entry is one request item on its way to an operation.
type entry struct {
	path    string // item path for warnings
	folders []*postman.Item
	item    *postman.Item
	method  string
	route   string
	op      *openapi3.Operation
	body    any // decoded JSON example body, nil when none
	schema  *openapi3.Schema
	media   string // request media type
}

func (d *deriver) warn(item, format string, args ...any) {
	d.warnings = append(d.warnings, Warning{Item: item, Message: fmt.Sprintf(format, args...)})
}

func itemPath(folders []*postman.Item, it *postman.Item) string {
	names := make([]string, 0, len(folders)+1)
	for _, f := range folders {
		names = append(names, f.Name)
	}
	return strings.Join(append(names, it.Name), "/")
}

var methods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true, http.MethodTrace: true,
}

func (d *deriver) item(folders []*postman.Item, it *postman.Item) {
	path := itemPath(folders, it)
	req := it.Request
	if !methods[req.Method] {
		d.warn(path, "method %q has no OpenAPI operation; item skipped", req.Method)
		return
	}
	route, names := d.route(path, req.URL)
	e := &entry{path: path, folders: folders, item: it, method: req.Method, route: route}
	op := openapi3.NewOperation()
	op.OperationID = OperationID(it.Name)
	op.Summary = it.Name
	// Postman keeps an item's documentation on the item or on its request
	// (the seed does the latter).
	op.Description = orDefault(it.Description, req.Description)
	if len(folders) > 0 {
		op.Tags = []string{folders[0].Name}
	}
	e.op = op
	d.parameters(e, names)
	d.requestBody(e)
	d.arguments(e)
	d.responses(e, it.Responses)
	if a := effectiveAuth(d.c, folders, it); a != nil && a != d.c.Auth {
		if r, ok := d.security(path, a); ok {
			op.Security = &openapi3.SecurityRequirements{r}
		}
	}
	d.server(path, req.URL)

	key := e.method + " " + e.route
	if d.groups == nil {
		d.groups = map[string][]*entry{}
	}
	if _, ok := d.groups[key]; !ok {
		d.order = append(d.order, key)
	}
	d.groups[key] = append(d.groups[key], e)
}

func effectiveAuth(c *postman.Collection, folders []*postman.Item, it *postman.Item) *postman.Auth {
	if it.Request.Auth != nil {
		return it.Request.Auth
	}
	for i := len(folders) - 1; i >= 0; i-- {
		if folders[i].Auth != nil {
			return folders[i].Auth
		}
	}
	return c.Auth
}

// security maps a Postman auth to a security requirement, adding the scheme.
// An empty requirement means "no auth".
func (d *deriver) security(path string, a *postman.Auth) (openapi3.SecurityRequirement, bool) {
	schemes := d.doc.Components.SecuritySchemes
	switch a.Type {
	case "noauth":
		return openapi3.SecurityRequirement{}, true
	case "basic":
		schemes[BasicAuth] = &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic")}
		return openapi3.SecurityRequirement{BasicAuth: {}}, true
	case "bearer":
		schemes[BearerAuth] = &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("bearer")}
		return openapi3.SecurityRequirement{BearerAuth: {}}, true
	case "apikey":
		in := a.Params["in"]
		if in == "" {
			in = "header"
		}
		key := a.Params["key"]
		if key == "" {
			d.warn(path, "apikey auth without a key name; not translated")
			return nil, false
		}
		schemes[APIKeyAuth] = &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn(in).WithName(key)}
		return openapi3.SecurityRequirement{APIKeyAuth: {}}, true
	}
	d.warn(path, "auth type %q has no OpenAPI equivalent here; not translated", a.Type)
	return nil, false
}

var (
	postmanVarRe = regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)
	pathVarRe    = regexp.MustCompile(`\{([^{}/]+)\}`)
)

// route templates the URL path: :id, {id} and {{id}} all become {id}.
func (d *deriver) route(path string, u postman.URL) (string, []string) {
	var b strings.Builder
	for _, seg := range u.Path {
		b.WriteByte('/')
		if strings.HasPrefix(seg, ":") && len(seg) > 1 {
			seg = "{" + seg[1:] + "}"
		}
		b.WriteString(postmanVarRe.ReplaceAllString(seg, "{$1}"))
	}
	route := b.String()
	if route == "" {
		route = "/"
	}
	var names []string
	for _, m := range pathVarRe.FindAllStringSubmatch(route, -1) {
		if slices.Contains(names, m[1]) {
			d.warn(path, "path variable %q appears twice", m[1])
			continue
		}
		names = append(names, m[1])
	}
	return route, names
}

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

// server records the URL's scheme and host as a server, once.
func (d *deriver) server(path string, u postman.URL) {
	if len(u.Host) == 0 {
		return
	}
	host := strings.Join(u.Host, ".")
	if u.Port != "" {
		host += ":" + u.Port
	}
	unresolved := ""
	host = postmanVarRe.ReplaceAllStringFunc(host, func(m string) string {
		name := postmanVarRe.FindStringSubmatch(m)[1]
		for _, v := range d.c.Variables {
			if v.Key == name && v.Value != "" {
				return v.Value
			}
		}
		unresolved = name
		return m
	})
	if unresolved != "" {
		d.warn(path, "host variable {{%s}} has no value in the collection; no server derived from it", unresolved)
		return
	}
	url := host
	if !strings.Contains(host, "://") {
		url = orDefault(u.Protocol, "https") + "://" + host
	}
	url = strings.TrimSuffix(url, "/")
	for _, s := range d.doc.Servers {
		if s.URL == url {
			return
		}
	}
	d.doc.Servers = append(d.doc.Servers, &openapi3.Server{URL: url})
}
