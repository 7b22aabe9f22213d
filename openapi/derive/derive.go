package derive

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/internal/lazyre"
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
	postmanVarRe = lazyre.New(`\{\{\s*([^{}]+?)\s*\}\}`)
	pathVarRe    = lazyre.New(`\{([^{}/]+)\}`)
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
