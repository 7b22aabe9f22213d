package mockserver

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The control plane changes what every test sharing the fake is answered,
// so a web page must not drive it through a developer's browser. Three
// checks, each a middleware of its own:
//
//   - CheckHost: the Host is a name the fake is served as. A DNS rebinding
//     page reaches a loopback port under its own name (evil.example), and
//     from then on its requests are same-origin; the name gives it away.
//   - CheckOrigin: a state-changing request from a browser carries Origin;
//     one that is not the control plane's own (or listed) is another site's.
//   - CheckContentType: a route takes the media types it documents, so a
//     "simple" cross-site request (text/plain, a form), which a browser
//     sends without asking first, is refused even where Origin is missing.

// A SiteCheck lists what the control plane accepts beyond its own names.
// Its zero value accepts loopback names and IP addresses only.
type SiteCheck struct {
	// Hosts are more Host names the control plane is served as (a
	// Service's DNS names, an ingress's): "phlomock.testing.svc". The
	// port is not compared.
	Hosts []string
	// Origins are more origins whose pages may change state:
	// "https://phlomock.example" (scheme, host and port, as browsers send
	// Origin).
	Origins []string
	// HostFlag and OriginFlag name the flags that set Hosts and Origins,
	// for the 403's message (the command line's words); empty: the
	// fields' names.
	HostFlag, OriginFlag string
}

func (c SiteCheck) hostFlag() string   { return orDefault(c.HostFlag, "SiteCheck.Hosts") }
func (c SiteCheck) originFlag() string { return orDefault(c.OriginFlag, "SiteCheck.Origins") }

// HostAllowed reports whether host (a Host header: name or address, with
// or without a port) is one the control plane is served as: a name no
// outsider can own, or one of c.Hosts, any case. A rebinding page uses a
// name of its site's, whose DNS its author controls; nobody outside owns
// an IP address, localhost or *.localhost (RFC 6761), or a name without a
// dot (a container's or a Service's short name: phlomock), so those pass.
func (c SiteCheck) HostAllowed(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.ToLower(strings.Trim(name, "[]")), ".")
	switch {
	case name == "":
		return false // HTTP/1.0 without Host: no name to trust
	case net.ParseIP(name) != nil:
		return true
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		return true
	case !strings.Contains(name, "."):
		return true
	}
	return slices.ContainsFunc(c.Hosts, func(h string) bool {
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
		return strings.EqualFold(strings.TrimSuffix(h, "."), name)
	})
}

// CheckHost answers 403, naming the flag that lists more names, to a
// request whose Host is not one the control plane is served as
// (HostAllowed).
func (c SiteCheck) CheckHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.HostAllowed(r.Host) {
			WriteError(w, http.StatusForbidden, "Host "+quoteHost(r.Host)+" is not a name this control plane is served as (a page reaching it through DNS rebinding would use one): loopback names and IP addresses are; add it with "+c.hostFlag()+".")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(h, "?") + `"`
}

// safeMethod: a request that changes nothing, which another site's page
// cannot read the answer of (no CORS header is ever sent).
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// CheckOrigin answers 403 to a state-changing request whose Origin (or,
// without one, Sec-Fetch-Site) says another site's page sent it: the
// control plane's own origin is the request's Host, which CheckHost
// vouches for; c.Origins are more. A request without Origin (curl, a
// test's client) passes.
func (c SiteCheck) CheckOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if safeMethod(r.Method) || c.originAllowed(r) {
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			origin = "a " + r.Header.Get("Sec-Fetch-Site") + " page"
		} else {
			origin = quoteHost(origin)
		}
		WriteError(w, http.StatusForbidden, r.Method+" "+r.URL.Path+" from "+origin+" refused: the control plane takes changes from its own origin only (a page of another site must not drive it); list an origin with "+c.originFlag()+".")
	})
}

func (c SiteCheck) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		// Browsers send Origin on every state-changing request; without
		// it, Sec-Fetch-Site still says where the request came from.
		site := r.Header.Get("Sec-Fetch-Site")
		return site == "" || site == "same-origin" || site == "none"
	}
	if slices.Contains(c.Origins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null": a sandboxed frame, a file
	}
	return strings.EqualFold(u.Host, r.Host)
}

// CheckContentType answers 415 to a request with a body whose
// Content-Type is not one of accepts (media types, parameters aside): a
// route documents what it takes, and text/plain or a form, which another
// site's page can send without a preflight, is not among them. A request
// without Content-Type passes (a browser sends one with every body it
// posts across sites), and so does a safe method.
func CheckContentType(route string, accepts ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ct := r.Header.Get("Content-Type")
			if safeMethod(r.Method) || ct == "" {
				next.ServeHTTP(w, r)
				return
			}
			mt, _, err := mime.ParseMediaType(ct)
			if err == nil && slices.Contains(accepts, mt) {
				next.ServeHTTP(w, r)
				return
			}
			WriteError(w, http.StatusUnsupportedMediaType, "Unsupported Content-Type "+quoteHost(ct)+": "+route+" takes "+strings.Join(accepts, " or ")+" (curl: -H 'Content-Type: "+accepts[0]+"').")
		})
	}
}

// JSONBody is what a control plane route with a JSON body (or none) takes.
var JSONBody = []string{"application/json"}
