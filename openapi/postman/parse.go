package postman

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Parse reads a Postman Collection v2.1 (or v2.0) document.
func Parse(data []byte) (*Collection, error) {
	var raw rawCollection
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err == nil {
		line, col := position(data, int(dec.InputOffset()))
		return nil, &ParseError{Line: line, Column: col, Err: errors.New("unexpected data after the collection")}
	}
	if raw.Info == nil || raw.Item == nil {
		return nil, &ParseError{Line: 1, Column: 1, Err: fmt.Errorf("%w: want an object with \"info\" and \"item\"", ErrNotCollection)}
	}
	c := &Collection{Name: raw.Info.Name, Schema: raw.Info.Schema}
	var err error
	p := &parser{}
	c.Description = p.description("", raw.Info.Description)
	c.Version = p.scalar("", "info.version", raw.Info.Version)
	c.Auth = p.auth("", raw.Auth)
	c.Variables = p.variables("", raw.Variable)
	c.Items = p.items("", raw.Item)
	if len(p.errs) > 0 {
		err = errors.Join(p.errs...)
		return nil, err
	}
	return c, nil
}

// parser collects every structural problem instead of stopping at the first.
type parser struct{ errs []error }

func (p *parser) fail(path, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{Path: path, Err: fmt.Errorf(format, args...)})
}

func (p *parser) items(parent string, raws []rawItem) []*Item {
	items := make([]*Item, 0, len(raws))
	for _, r := range raws {
		path := r.Name
		if parent != "" {
			path = parent + "/" + r.Name
		}
		it := &Item{Name: r.Name, Description: p.description(path, r.Description), Auth: p.auth(path, r.Auth)}
		switch {
		case isNull(r.Request) && r.Item == nil:
			p.fail(path, "neither a folder (\"item\") nor a request (\"request\")")
			continue
		case isNull(r.Request):
			it.Items = p.items(path, r.Item)
		default:
			if r.Item != nil {
				p.fail(path, "both a folder (\"item\") and a request (\"request\")")
				continue
			}
			it.Request = p.request(path, r.Request)
			if it.Request == nil {
				continue
			}
			for _, rr := range r.Response {
				it.Responses = append(it.Responses, p.response(path, rr))
			}
		}
		items = append(items, it)
	}
	return items
}

func (p *parser) request(path string, data json.RawMessage) *Request {
	var s string
	if json.Unmarshal(data, &s) == nil { // the short form: a URL string
		return &Request{Method: "GET", URL: parseRawURL(s)}
	}
	var r rawRequest
	if err := json.Unmarshal(data, &r); err != nil {
		p.fail(path, "request: %v", typeError(err))
		return nil
	}
	req := &Request{
		Method:      strings.ToUpper(strings.TrimSpace(r.Method)),
		Headers:     p.headers(path, r.Header),
		Auth:        p.auth(path, r.Auth),
		Description: p.description(path, r.Description),
	}
	if req.Method == "" {
		req.Method = "GET"
	}
	req.URL = p.url(path, r.URL)
	if r.Body != nil && r.Body.Mode != "" {
		req.Body = &Body{
			Mode:       r.Body.Mode,
			Raw:        r.Body.Raw,
			Language:   r.Body.Options.Raw.Language,
			URLEncoded: p.keyValues(path, r.Body.URLEncoded),
			FormData:   p.keyValues(path, r.Body.FormData),
		}
	}
	return req
}

func (p *parser) response(path string, r rawResponse) Response {
	resp := Response{
		Name:     r.Name,
		Code:     r.Code,
		Status:   r.Status,
		Headers:  p.headers(path, r.Header),
		Language: r.PreviewLanguage,
	}
	if r.Body != nil {
		resp.Body = *r.Body
	}
	if !isNull(r.OriginalRequest) {
		resp.OriginalRequest = p.request(path, r.OriginalRequest)
	}
	return resp
}

func (p *parser) url(path string, data json.RawMessage) URL {
	if isNull(data) {
		return URL{}
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		return parseRawURL(s)
	}
	var r rawURL
	if err := json.Unmarshal(data, &r); err != nil {
		p.fail(path, "url: want a string or an object: %v", typeError(err))
		return URL{}
	}
	u := URL{
		Raw:       r.Raw,
		Protocol:  r.Protocol,
		Port:      r.Port,
		Host:      p.segments(path, "url.host", r.Host, "."),
		Path:      p.segments(path, "url.path", r.Path, "/"),
		Query:     p.keyValues(path, r.Query),
		Variables: p.variables(path, r.Variable),
	}
	if r.Host == nil && r.Path == nil && r.Raw != "" {
		parsed := parseRawURL(r.Raw)
		u.Protocol, u.Host, u.Port, u.Path = parsed.Protocol, parsed.Host, parsed.Port, parsed.Path
		if u.Query == nil {
			u.Query = parsed.Query
		}
	}
	return u
}

// segments reads a host or path given as a string or as an array whose
// elements are strings or {"value": ...} objects.
func (p *parser) segments(path, field string, data json.RawMessage, sep string) []string {
	if isNull(data) {
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		return splitNonEmpty(s, sep)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		p.fail(path, "%s: want a string or an array", field)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, el := range list {
		if json.Unmarshal(el, &s) == nil {
			out = append(out, s)
			continue
		}
		var obj struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(el, &obj); err != nil {
			p.fail(path, "%s: element %s: want a string or an object with \"value\"", field, el)
			continue
		}
		out = append(out, obj.Value)
	}
	return out
}

func (p *parser) headers(path string, data json.RawMessage) []KeyValue {
	if isNull(data) {
		return nil
	}
	var s string
	if json.Unmarshal(data, &s) == nil { // "Key: value\nKey2: value2"
		var out []KeyValue
		for _, line := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				out = append(out, KeyValue{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
			}
		}
		return out
	}
	var list []rawKeyValue
	if err := json.Unmarshal(data, &list); err != nil {
		p.fail(path, "header: want a string or an array of {key, value}")
		return nil
	}
	return p.keyValues(path, list)
}

func (p *parser) keyValues(path string, raws []rawKeyValue) []KeyValue {
	if raws == nil {
		return nil
	}
	out := make([]KeyValue, 0, len(raws))
	for _, r := range raws {
		out = append(out, KeyValue{
			Key:         r.Key,
			Value:       p.scalar(path, r.Key, r.Value),
			Description: p.description(path, r.Description),
			Disabled:    r.Disabled,
		})
	}
	return out
}

func (p *parser) variables(path string, raws []rawVariable) []Variable {
	if raws == nil {
		return nil
	}
	out := make([]Variable, 0, len(raws))
	for _, r := range raws {
		key := r.Key
		if key == "" {
			key = r.ID
		}
		out = append(out, Variable{Key: key, Value: p.scalar(path, key, r.Value), Description: p.description(path, r.Description)})
	}
	return out
}

// auth reads {"type": "basic", "basic": [{"key": "username", "value": ...}]}
// (v2.1) or {"type": "basic", "basic": {"username": ...}} (v2.0).
func (p *parser) auth(path string, data json.RawMessage) *Auth {
	if isNull(data) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		p.fail(path, "auth: want an object")
		return nil
	}
	a := &Auth{Params: map[string]string{}}
	if err := json.Unmarshal(m["type"], &a.Type); err != nil || a.Type == "" {
		p.fail(path, "auth: want a \"type\" string")
		return nil
	}
	params, ok := m[a.Type]
	if !ok || isNull(params) {
		return a
	}
	var list []rawKeyValue
	if json.Unmarshal(params, &list) == nil {
		for _, kv := range list {
			a.Params[kv.Key] = p.scalar(path, kv.Key, kv.Value)
		}
		return a
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(params, &obj); err != nil {
		p.fail(path, "auth.%s: want an array of {key, value} or an object", a.Type)
		return nil
	}
	for k, v := range obj {
		a.Params[k] = p.scalar(path, k, v)
	}
	return a
}

// description reads a string or {"content": ..., "type": ...}.
func (p *parser) description(path string, data json.RawMessage) string {
	if isNull(data) {
		return ""
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		p.fail(path, "description: want a string or an object with \"content\"")
		return ""
	}
	return obj.Content
}

// scalar renders a string, number or boolean value as text.
func (p *parser) scalar(path, field string, data json.RawMessage) string {
	if isNull(data) {
		return ""
	}
	var s string
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		p.fail(path, "%s: want a string, number or boolean, got %s", field, kind(trimmed[0]))
		return ""
	}
	return string(trimmed)
}

func kind(c byte) string {
	if c == '{' {
		return "an object"
	}
	return "an array"
}

func isNull(data json.RawMessage) bool {
	t := bytes.TrimSpace(data)
	return len(t) == 0 || string(t) == "null"
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseRawURL splits a raw URL such as "{{base}}/v1/x/:id?q=1" into its parts.
// It does not use net/url: Postman URLs are templates, not URLs.
func parseRawURL(raw string) URL {
	u := URL{Raw: raw}
	rest := strings.TrimSpace(raw)
	if i := strings.Index(rest, "#"); i >= 0 {
		rest = rest[:i]
	}
	if before, query, ok := strings.Cut(rest, "?"); ok {
		rest = before
		for _, pair := range strings.Split(query, "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			u.Query = append(u.Query, KeyValue{Key: k, Value: v})
		}
	}
	if proto, after, ok := strings.Cut(rest, "://"); ok {
		u.Protocol, rest = proto, after
	}
	hostPort, path, _ := strings.Cut(rest, "/")
	if host, port, ok := strings.Cut(hostPort, ":"); ok && isPort(port) {
		hostPort, u.Port = host, port
	}
	u.Host = splitNonEmpty(hostPort, ".")
	u.Path = splitNonEmpty(path, "/")
	return u
}

func isPort(s string) bool {
	if strings.HasPrefix(s, "{{") {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}
