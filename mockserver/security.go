package mockserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"sort"

	"github.com/getkin/kin-openapi/routers"
)

// A scheme is one security scheme of the spec, as the fake checks it.
type scheme struct {
	kind schemeKind
	in   string // apiKey: header, query or cookie
	name string // apiKey: the header, parameter or cookie name
}

type schemeKind int

const (
	schemeBasic  schemeKind = iota // http basic: an account's Auth ID and Auth Token
	schemeBearer                   // http bearer, oauth2, openIdConnect: Authorization: Bearer TOKEN
	schemeAPIKey                   // apiKey: a key in a header, the query or a cookie
)

// compileSecurity reads the operation's security requirements (the
// operation's own, else the spec's). public: anonymous calls are allowed.
// reqs is nil when the one requirement is HTTP Basic alone, as every
// operation of the PHLO runner contract has: auth then takes its short
// path. Otherwise a request must meet every scheme of one requirement.
func compileSecurity(route *routers.Route) (public bool, reqs [][]scheme) {
	security := route.Spec.Security
	if route.Operation.Security != nil {
		security = *route.Operation.Security
	}
	if len(security) == 0 {
		return true, nil
	}
	basicOnly := true
	for _, req := range security {
		if len(req) == 0 { // an empty requirement: anonymous is allowed
			return true, nil
		}
		names := make([]string, 0, len(req))
		for name := range req {
			names = append(names, name)
		}
		sort.Strings(names)
		var all []scheme
		for _, name := range names {
			sc := scheme{kind: schemeBasic}
			if ref := route.Spec.Components.SecuritySchemes[name]; ref != nil && ref.Value != nil {
				v := ref.Value
				switch {
				case v.Type == "apiKey":
					sc = scheme{kind: schemeAPIKey, in: v.In, name: v.Name}
				case v.Type == "http" && v.Scheme == "basic":
				case v.Type == "http", v.Type == "oauth2", v.Type == "openIdConnect":
					sc = scheme{kind: schemeBearer}
				}
			}
			if sc.kind != schemeBasic {
				basicOnly = false
			}
			all = append(all, sc)
		}
		reqs = append(reqs, all)
	}
	if basicOnly && len(reqs) == 1 && len(reqs[0]) == 1 {
		return false, nil
	}
	return false, reqs
}

// authSchemes checks a request against the operation's requirements: the
// first that holds lets it through; otherwise the refusal is the first
// requirement's first failing scheme's.
func (s *Server) authSchemes(x *request) *RequestError {
	var first *RequestError
	for _, req := range x.op.security {
		var failed *RequestError
		for _, sc := range req {
			if failed = s.checkScheme(x, sc); failed != nil {
				break
			}
		}
		if failed == nil {
			return nil
		}
		if first == nil {
			first = failed
		}
	}
	return first
}

func (s *Server) checkScheme(x *request, sc scheme) *RequestError {
	switch sc.kind {
	case schemeBearer:
		token, ok := bearerToken(x.r)
		if !ok {
			return refuse(CodeUnauthorized, "Authentication credentials were not provided: send Authorization: Bearer TOKEN.")
		}
		if !s.tokenOK(token) {
			return refuse(CodeUnauthorized, "Authentication failed: invalid bearer token.")
		}
	case schemeAPIKey:
		key, ok := apiKey(x.r, sc)
		if !ok {
			return refuse(CodeUnauthorized, "Authentication credentials were not provided: send the API key in the "+sc.name+" "+sc.in+".")
		}
		if !s.tokenOK(key) {
			return refuse(CodeUnauthorized, "Authentication failed: invalid API key.")
		}
	default:
		id, token, ok := x.r.BasicAuth()
		x.entry.AuthID = id
		if !ok {
			return refuse(CodeUnauthorized, "Authentication credentials were not provided: use HTTP Basic auth with your Auth ID and Auth Token.")
		}
		if !checkCredentials(x.state.Accounts, id, token) {
			return refuse(CodeUnauthorized, "Authentication failed: invalid Auth ID or Auth Token.")
		}
	}
	return nil
}

// tokenOK compares a bearer token or API key with Options.APIToken, in
// constant time; any non-empty one passes when APIToken is empty.
func (s *Server) tokenOK(got string) bool {
	if s.opts.APIToken == "" {
		return got != ""
	}
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(s.opts.APIToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !equalFoldASCII(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

func apiKey(r *http.Request, sc scheme) (string, bool) {
	var v string
	switch sc.in {
	case "query":
		v = r.URL.Query().Get(sc.name)
	case "cookie":
		if c, err := r.Cookie(sc.name); err == nil {
			v = c.Value
		}
	default:
		v = r.Header.Get(sc.name)
	}
	return v, v != ""
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
