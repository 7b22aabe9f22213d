package mockserver

import (
	"net/http"
	"slices"
)

// CloseAfterChunked closes the connection after answering a request whose
// body came in chunks. net/http reads a request with both Content-Length
// and Transfer-Encoding: chunked by its chunks, and drops Content-Length
// before a handler sees it; RFC 9112 section 6.1 asks a server that does
// so to close the connection afterwards, because a proxy in front may
// have framed it by Content-Length, and the bytes after the chunks'
// terminator would be served as a request nobody in front sent (request
// smuggling). A handler cannot tell whether Content-Length was there, so
// every chunked request closes its connection: the clients of the PHLO API
// send Content-Length, and a chunked one pays one new connection.
func CloseAfterChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(r.TransferEncoding, "chunked") {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
