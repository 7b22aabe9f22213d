// Package dashboard is the fake's dashboard: a page on the control plane
// (GET /__admin/ui/, or PREFIX/ui/ under serve's --admin-prefix) that shows
// the journal live, each simulated call as a timeline, the scenarios (with
// activation and upload) and verification.
//
// It is static: one HTML page, a style sheet and a small script, embedded in
// the binary, with no build step and nothing fetched from elsewhere (no
// CDN, no fonts), so it works offline. The script reads the control plane's
// JSON routes only, at addresses relative to its own, and sends the admin
// token as a bearer token when one is needed; the files themselves hold no
// data. Everything a request carried is shown as text, never as HTML, and a
// Content-Security-Policy lets the page load nothing but its own files.
//
// It is not an API: what the page shows may change from release to release;
// the JSON routes it reads are the stable interface (docs/control-plane.md).
//
// Files: dashboard.go.
package dashboard
