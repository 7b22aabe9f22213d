package mockserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// The control plane is routed by gorilla/mux, the data plane by the fake's
// own table built from the spec (route.go): mux gives the control plane
// named routes, 405s with Allow, and a prefix mount as a subrouter with its
// own middleware, for a handful of routes that are not on the hot path; the
// data plane's routes come from the contract, and kin-openapi's route table
// already resolves them to operations.

// AdminBase is where the control plane's routes live on its own port (the
// routes' Path is under it); health and readiness are at the root.
const AdminBase = "/__admin"

// An AdminRoute is a route of the control plane.
type AdminRoute struct {
	// Name names the route ("journal.list"). An extra route with the name
	// of a built-in one replaces it.
	Name   string
	Method string
	// Path is under AdminBase (or the prefix of AdminPrefix), in
	// gorilla/mux syntax: "/calls/{phlo_id}/{node_id}". Its variables are
	// the request's path values (r.PathValue).
	Path string
	// Subtree: Path ends with a slash and the route serves every path
	// under it (the dashboard's files).
	Subtree bool
	// Query lists the query parameters the route takes: any other is
	// refused with a 400 that names it, so a misspelt filter is not
	// silently ignored.
	Query []string
	// Root puts the route at the root of the control plane's own port
	// rather than under AdminBase (health probes); under AdminPrefix's
	// prefix either way.
	Root bool
	// Open serves the route without the bearer token under AdminPrefix:
	// probes send none, nor does a browser opening a page.
	Open bool
	// Accepts are the media types of the body a state-changing route
	// takes (CheckContentType); nil: application/json (or no body).
	Accepts []string
	// Handler serves the route. It sees the path as on the control plane's
	// own port (AdminBase+Path) whatever the prefix, so it needs no
	// knowledge of the mount.
	Handler http.Handler
}

// builtinRoutes are the fake's own control plane routes: health, readiness
// and the journal.
func (s *Server) builtinRoutes() []AdminRoute {
	return []AdminRoute{
		{Name: "healthz", Method: http.MethodGet, Path: "/healthz", Root: true, Open: true, Handler: http.HandlerFunc(s.healthz)},
		{Name: "readyz", Method: http.MethodGet, Path: "/readyz", Root: true, Open: true, Handler: http.HandlerFunc(s.readyz)},
		{Name: "journal.list", Method: http.MethodGet, Path: "/journal", Query: JournalQuery, Handler: http.HandlerFunc(s.getJournal)},
		{Name: "journal.delete", Method: http.MethodDelete, Path: "/journal", Handler: http.HandlerFunc(s.deleteJournal)},
	}
}

// JournalQuery are the query parameters of GET /__admin/journal.
var JournalQuery = []string{"operation", "method", "path", "status", "scenario", "rule", "limit", "after", "since", "max_bytes", "format", "consumer", "provider"}

// openRoutes tells by name which routes are served without a token
// (AdminRoute.Open).
type openRoutes map[string]bool

// AdminHandler serves the control plane on its own port, so it can never
// collide with the API being faked: /healthz, /readyz and AdminBase+Path of
// every route, built-in then extra. An unknown path answers a JSON 404, a
// known path with another method a JSON 405 with Allow, an unknown query
// parameter a JSON 400.
func (s *Server) AdminHandler(extra ...AdminRoute) http.Handler {
	extra = slices.Clone(extra)
	return lazily(func() http.Handler {
		r := newAdminRouter()
		s.addRoutes(r, "", extra)
		return s.recoverer(r)
	})
}

// lazily builds a control plane's router on its first request: its
// dozens of route patterns took a tenth of the time from exec to a default
// serve's first answer, which needs none of them (issue 31).
func lazily(build func() http.Handler) http.Handler {
	h := sync.OnceValue(build)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h().ServeHTTP(w, r) })
}

// AdminPrefix serves the fake's API and, under prefix (such as /__admin),
// its control plane, for a single port: PREFIX/healthz and PREFIX/readyz
// are open (probes send no token), PREFIX/X is the control plane's
// AdminBase/X behind Authorization: Bearer token. Every other path is the
// API's, untouched. The prefix starts with a slash, does not end with one,
// and is not under /v1 (it would hide the API); the token is not empty.
func (s *Server) AdminPrefix(prefix, token string, extra ...AdminRoute) (http.Handler, error) {
	switch {
	case !strings.HasPrefix(prefix, "/") || prefix == "/" || strings.HasSuffix(prefix, "/"):
		return nil, fmt.Errorf("admin prefix %q: want a path such as /__admin (leading slash, no trailing slash)", prefix)
	case prefix == "/v1" || strings.HasPrefix(prefix, "/v1/"):
		return nil, fmt.Errorf("admin prefix %q: it would hide the API's own paths (/v1/...)", prefix)
	case token == "":
		return nil, errors.New("admin prefix: the control plane on the API port needs a bearer token")
	}
	root := newAdminRouter()
	root.NotFoundHandler = s
	// PathPrefix is a plain string prefix: /__adminx is the API's.
	sub := root.PathPrefix(prefix).MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool {
		rest := r.URL.Path[len(prefix):]
		return rest == "" || rest[0] == '/'
	}).Subrouter()
	guard(sub, token, s.addRoutes(sub, prefix, extra))
	return s.recoverer(root), nil
}

// AdminHandlerToken is AdminHandler behind Authorization: Bearer token
// (compared in constant time): the Open routes (/healthz, /readyz, the
// dashboard's files, which ask for the token in the page) need none. An
// empty token is AdminHandler, open to every caller.
func (s *Server) AdminHandlerToken(token string, extra ...AdminRoute) http.Handler {
	if token == "" {
		return s.AdminHandler(extra...)
	}
	extra = slices.Clone(extra)
	return lazily(func() http.Handler {
		r := newAdminRouter()
		guard(r, token, s.addRoutes(r, "", extra))
		return s.recoverer(r)
	})
}

// guard puts r's routes, but the open ones, behind the bearer token.
func guard(r *mux.Router, token string, open openRoutes) {
	check := bearer(token)
	r.Use(func(next http.Handler) http.Handler {
		guarded := check(next)
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if route := mux.CurrentRoute(req); route != nil && open[route.GetName()] {
				next.ServeHTTP(w, req)
				return
			}
			guarded.ServeHTTP(w, req)
		})
	})
	// No route, or another method: the token first, so that the routes
	// cannot be discovered without it.
	r.NotFoundHandler = check(r.NotFoundHandler)
	r.MethodNotAllowedHandler = check(r.MethodNotAllowedHandler)
}

func newAdminRouter() *mux.Router {
	// SkipClean: a path is routed as sent, never redirected to a cleaned
	// one (a 301 the PHLO API does not send).
	return mux.NewRouter().SkipClean(true)
}

// addRoutes registers the built-in and extra routes on r, which is the
// control plane's own port (mount "") or the subrouter of a prefix mount:
// on the own port Root routes are at the root and the others under
// AdminBase, under a mount all are under the mount. r's 404 and 405 answer
// JSON. It returns the names of the Open routes.
func (s *Server) addRoutes(r *mux.Router, mount string, extra []AdminRoute) openRoutes {
	routes := s.builtinRoutes()
	for _, x := range extra {
		if i := slices.IndexFunc(routes, func(b AdminRoute) bool { return x.Name != "" && b.Name == x.Name }); i >= 0 {
			routes[i] = x
		} else {
			routes = append(routes, x)
		}
	}
	open := openRoutes{}
	var listed []Route // as a 404 names them (notfound.go)
	// The one place where the control plane's routes are registered.
	for _, rt := range routes {
		own := AdminBase // where the route is on the own port
		if rt.Root {
			own = ""
		}
		path := own + rt.Path // a subrouter's templates extend the mount's
		if mount != "" {
			path = rt.Path
		}
		methods := []string{rt.Method}
		if rt.Method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
		h := withQuery(rt, withPathValues(rt.Handler))
		if !rt.Open {
			h = s.crossSite(rt, h)
		}
		if mount != "" {
			h = rebase(mount, own, h)
		}
		route := r.NewRoute()
		if rt.Subtree {
			route.PathPrefix(path)
		} else {
			route.Path(path)
		}
		route.Handler(h).Methods(methods...).Name(rt.Name)
		open[rt.Name] = rt.Open
		listed = append(listed, Route{OperationID: rt.Name, Method: rt.Method, Path: mount + path})
	}
	notAllowed := func(w http.ResponseWriter, req *http.Request, allow []string) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s: it takes %s.", req.Method, req.URL.Path, strings.Join(allow, ", ")))
	}
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		notAllowed(w, req, allowed(r, req))
	})
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// In a subrouter, mux v1.8.1 loses a method mismatch when a later
		// route's inherited prefix matches, and reports no route: ask
		// the routes directly.
		if allow := allowed(r, req); len(allow) > 0 {
			notAllowed(w, req, allow)
			return
		}
		WriteError(w, http.StatusNotFound, "No control plane route for "+req.Method+" "+req.URL.Path+"."+s.notAdmin(listed, req))
	})
	return open
}

// crossSite puts h behind the control plane's cross-site checks
// (crosssite.go): its Host, then its Origin and Content-Type when it
// changes state. The open routes (probes, the dashboard's files) hold no
// data and are left out: a kubelet probes by whatever name it likes.
func (s *Server) crossSite(rt AdminRoute, h http.Handler) http.Handler {
	site := s.opts.Site
	accepts := rt.Accepts
	if accepts == nil {
		accepts = JSONBody
	}
	h = CheckContentType(rt.Method+" "+AdminBase+rt.Path, accepts...)(h)
	return site.CheckHost(site.CheckOrigin(h))
}

// rebase gives h the request with the mount's prefix from replaced by to,
// the path it would have on the control plane's own port.
func rebase(from, to string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = to + strings.TrimPrefix(r.URL.Path, from)
		r2.URL.RawPath = ""
		h.ServeHTTP(w, r2)
	})
}

// allowed lists the methods r routes req's path with, sorted.
func allowed(r *mux.Router, req *http.Request) []string {
	var out []string
	_ = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		for _, m := range methods {
			try := req.Clone(req.Context())
			try.Method = m
			var match mux.RouteMatch
			if route.Match(try, &match) && match.MatchErr == nil && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// withPathValues makes the route's variables the request's path values, so
// handlers read them with r.PathValue and need not know the router.
func withPathValues(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range mux.Vars(r) {
			r.SetPathValue(k, v)
		}
		h.ServeHTTP(w, r)
	})
}

// withQuery refuses a query parameter the route does not take.
func withQuery(rt AdminRoute, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var unknown []string
		for k := range r.URL.Query() {
			if !slices.Contains(rt.Query, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		slices.Sort(unknown)
		takes := "takes no query parameters"
		if len(rt.Query) > 0 {
			takes = "takes " + strings.Join(rt.Query, ", ")
		}
		msg := fmt.Sprintf("Unknown query parameter %s: %s %s %s.", strings.Join(quoteAll(unknown), ", "), r.Method, r.URL.Path, takes)
		if len(unknown) == 1 {
			if near := didyoumean.Closest(unknown[0], rt.Query); near != "" {
				msg = fmt.Sprintf("Unknown query parameter %q (did you mean %q?): %s %s %s.", unknown[0], near, r.Method, r.URL.Path, takes)
			}
		}
		WriteError(w, http.StatusBadRequest, msg)
	})
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// bearer is the control plane's token check.
func bearer(token string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The scheme in any case, as on the API port (RFC 9110 11.1):
			// clients that normalise it to "bearer" are not refused.
			got, isBearer := bearerToken(r)
			sum := sha256.Sum256([]byte(got))
			if !isBearer || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="phlomock control plane"`)
				WriteError(w, http.StatusUnauthorized, "The control plane needs the header Authorization: Bearer TOKEN, with the token serve was given (--admin-token or PHLOMOCK_ADMIN_TOKEN).")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
