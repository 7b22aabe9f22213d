package dashboard

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
)

//go:embed static
var static embed.FS

// Files are the dashboard's files (index.html, dashboard.css, dashboard.js).
func Files() fs.FS {
	sub, _ := fs.Sub(static, "static") // a literal, present directory
	return sub
}

// csp lets the page load its own script and style sheet and talk to its own
// origin only: a request body that slipped through as markup could run
// nothing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the dashboard at root, a path ending in "/"
// ("/__admin/ui/"): root itself is the page, root+FILE its files. root
// without its slash redirects to root, by a relative address, so that the
// redirect also lands right when a prefix was stripped in front of it.
func Handler(root string) http.Handler {
	files := Files()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, root)
		if !ok {
			if r.URL.Path+"/" == root {
				// Not http.Redirect: it would make the address absolute.
				w.Header().Set("Location", path.Base(root)+"/")
				w.WriteHeader(http.StatusMovedPermanently)
				return
			}
			mockserver.WriteError(w, http.StatusNotFound, "No dashboard file "+r.URL.Path+".")
			return
		}
		if name == "" {
			name = "index.html"
		}
		data, err := fs.ReadFile(files, name)
		if err != nil || strings.Contains(name, "/") {
			mockserver.WriteError(w, http.StatusNotFound, "No dashboard file "+r.URL.Path+": the dashboard is "+root+".")
			return
		}
		h := w.Header()
		h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(data)
		}
	})
}
