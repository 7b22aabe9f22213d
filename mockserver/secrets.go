package mockserver

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Redacted replaces a secret wherever the fake keeps or prints text.
const Redacted = "[redacted]"

// minSecret is the shortest value masked inside other text: a one- or
// two-letter "token" would mask half of every body.
const minSecret = 4

// Credentials are where a spec's security schemes carry secrets: the
// names of apiKey headers, query parameters and cookies (Authorization
// and Proxy-Authorization always are). The journal redacts them whole.
type Credentials struct {
	Headers []string // canonical names
	Query   []string
	Cookies []string
	// Static are secrets masked in every entry whatever the request
	// carries (Options.Secrets: the account's token and Basic value).
	Static []string
}

// SpecCredentials lists the apiKey locations of doc's security schemes.
func SpecCredentials(doc *openapi3.T) Credentials {
	var c Credentials
	if doc == nil || doc.Components == nil {
		return c
	}
	for _, ref := range doc.Components.SecuritySchemes {
		if ref == nil || ref.Value == nil || ref.Value.Type != "apiKey" || ref.Value.Name == "" {
			continue
		}
		switch v := ref.Value; v.In {
		case "header":
			c.Headers = append(c.Headers, http.CanonicalHeaderKey(v.Name))
		case "query":
			c.Query = append(c.Query, v.Name)
		case "cookie":
			c.Cookies = append(c.Cookies, v.Name)
		}
	}
	return c
}

func (c Credentials) header(name string) bool {
	for _, h := range credentialHeaders {
		if h == name {
			return true
		}
	}
	for _, h := range c.Headers {
		if h == name {
			return true
		}
	}
	return name == "Cookie" && len(c.Cookies) > 0
}

// redactValue is a credential header's value as the journal keeps it.
func (c Credentials) redactValue(dst []byte, name, v string) []byte {
	switch name {
	case "Authorization", "Proxy-Authorization":
		return appendRedacted(dst, v)
	case "Cookie":
		return append(dst, c.redactCookies(v)...)
	}
	return append(dst, Redacted...)
}

// redactCookies replaces the values of the credential cookies of a Cookie
// header, keeping the others.
func (c Credentials) redactCookies(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, ok := strings.Cut(strings.TrimSpace(p), "=")
		for _, want := range c.Cookies {
			if ok && name == want {
				parts[i] = " " + name + "=" + Redacted
				if i == 0 {
					parts[i] = parts[i][1:]
				}
			}
		}
	}
	return strings.Join(parts, ";")
}

// redactQuery replaces the values of the credential query parameters.
func (c Credentials) redactQuery(raw string) string {
	if raw == "" || len(c.Query) == 0 {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		for _, want := range c.Query {
			if name == want {
				parts[i], changed = k+"="+url.QueryEscape(Redacted), true
			}
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

// RequestSecrets are the secret values a request carries: its Basic
// password and the whole base64 credential, a Bearer token, and the values
// of the spec's apiKey headers, query parameters and cookies. The journal
// masks them inside every other text it keeps (a body that quotes the
// token, an answer a template filled with a header), as does the proxy in
// what it reports.
func (c Credentials) RequestSecrets(r *http.Request) []string {
	out := append([]string(nil), c.Static...)
	add := func(v string) {
		if len(v) >= minSecret {
			out = append(out, v)
		}
	}
	for _, name := range credentialHeaders {
		for _, v := range r.Header[name] {
			scheme, cred, ok := strings.Cut(v, " ")
			if !ok {
				add(v)
				continue
			}
			cred = strings.TrimSpace(cred)
			add(cred)
			if strings.EqualFold(scheme, "basic") {
				if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
					if _, pass, ok := strings.Cut(string(raw), ":"); ok {
						add(pass)
					}
				}
			}
		}
	}
	for _, h := range c.Headers {
		for _, v := range r.Header[h] {
			add(v)
		}
	}
	if len(c.Query) > 0 && r.URL.RawQuery != "" {
		q := r.URL.Query()
		for _, name := range c.Query {
			for _, v := range q[name] {
				add(v)
			}
		}
	}
	for _, name := range c.Cookies {
		if ck, err := r.Cookie(name); err == nil {
			add(ck.Value)
		}
	}
	return out
}

// Mask replaces every secret inside s.
func Mask(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= minSecret && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// MaskEntry masks secrets (RequestSecrets) in every text of e a client
// or a template could have put them in: body, answer, query, the
// violations' and misses' sentences. For entries built outside the
// pipeline (package proxy's).
func MaskEntry(e *Entry, secrets []string) { maskEntry(e, secrets) }

// maskEntry masks secrets in every text of e a client or a template could
// have put them in: body, answer, query, the violations' and misses'
// sentences.
func maskEntry(e *Entry, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	if m := Mask(e.Body, secrets); m != e.Body {
		e.Body = m
		if e.BodyBase64 != "" {
			e.BodyBase64 = base64.StdEncoding.EncodeToString([]byte(m))
		}
	}
	if len(e.Answer) > 0 {
		if m := Mask(string(e.Answer), secrets); m != string(e.Answer) {
			e.Answer = AnswerBody(m)
		}
	}
	e.RawQuery = Mask(e.RawQuery, secrets)
	for i := range e.Violations {
		e.Violations[i].Message = Mask(e.Violations[i].Message, secrets)
	}
	if e.ClosestRule != nil {
		for i, d := range e.ClosestRule.Differences {
			e.ClosestRule.Differences[i] = Mask(d, secrets)
		}
	}
}

// mayCarrySecrets: r has a credential, so its entry's texts must be
// masked (a quick test on the request path: most have Basic only).
func (c Credentials) mayCarrySecrets(r *http.Request) bool {
	return len(r.Header["Authorization"]) > 0 || len(r.Header["Proxy-Authorization"]) > 0 ||
		len(c.Headers)+len(c.Query)+len(c.Cookies)+len(c.Static) > 0
}
