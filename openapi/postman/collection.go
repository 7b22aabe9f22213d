package postman

import (
	"strings"
)

// Collection is a parsed Postman collection.
type Collection struct {
	Name        string
	Description string // markdown
	Version     string
	Schema      string // the info.schema URL, as given
	Auth        *Auth  // nil when the collection sets none
	Variables   []Variable
	Items       []*Item
}

// Item is a folder (Items non-nil, Request nil) or a request item.
type Item struct {
	Name        string
	Description string // markdown
	Auth        *Auth  // a folder's auth, inherited by its items
	Items       []*Item
	Request     *Request
	Responses   []Response
}

// IsFolder reports whether the item groups other items.
func (it *Item) IsFolder() bool { return it.Request == nil && it.Items != nil }

// Request is what an item sends.
type Request struct {
	Method      string // upper case; GET when the collection leaves it out
	URL         URL
	Headers     []KeyValue
	Body        *Body // nil without a body
	Auth        *Auth // nil: inherit from the folder or collection
	Description string
}

// URL is a request URL in its object form.
type URL struct {
	Raw       string
	Protocol  string
	Host      []string
	Port      string
	Path      []string
	Query     []KeyValue
	Variables []Variable
}

// KeyValue is a header, a query parameter or a form field.
type KeyValue struct {
	Key         string
	Value       string
	Description string
	Disabled    bool
}

// Variable is a collection or URL variable.
type Variable struct {
	Key         string
	Value       string
	Description string
}

// Body is a request body.
type Body struct {
	Mode       string // raw, urlencoded, formdata, file, graphql
	Raw        string
	Language   string // raw's options.raw.language: json, text, xml, html, javascript
	URLEncoded []KeyValue
	FormData   []KeyValue
}

// Auth is a request, folder or collection authentication setting.
type Auth struct {
	Type   string            // basic, bearer, noauth, apikey, ...
	Params map[string]string // the type's parameters: username, password, token...
}

// Response is a saved example response.
type Response struct {
	Name            string
	OriginalRequest *Request
	Code            int
	Status          string
	Headers         []KeyValue
	Body            string
	Language        string // _postman_previewlanguage
}

// Header returns the value of the first enabled header named name (case-insensitive).
func Header(headers []KeyValue, name string) (string, bool) {
	for _, h := range headers {
		if !h.Disabled && strings.EqualFold(h.Key, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Walk calls fn for every request item, depth first in document order, with
// the folders that lead to it (outermost first).
func (c *Collection) Walk(fn func(folders []*Item, it *Item)) {
	var walk func(folders []*Item, items []*Item)
	walk = func(folders []*Item, items []*Item) {
		for _, it := range items {
			if it.Request != nil {
				fn(folders, it)
				continue
			}
			walk(append(folders[:len(folders):len(folders)], it), it.Items)
		}
	}
	walk(nil, c.Items)
}
