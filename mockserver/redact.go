package mockserver

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
)

// credentialHeaders carry a secret in the Authorization syntax: a client
// behind a proxy sends its credentials for the proxy too, and the journal is
// served to anyone who reaches the control plane.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization"}

// redactHeader copies h with the secret of every credential header
// replaced (a Basic Auth ID is kept, for certification to read).
func redactHeader(h http.Header) http.Header { return Credentials{}.redactHeader(h) }

// redactHeader copies h with every credential header of c's redacted:
// Authorization's and Proxy-Authorization's secret, the spec's apiKey
// headers whole, its apiKey cookies' values.
func (c Credentials) redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for name, vs := range out {
		if !c.header(name) {
			continue
		}
		for i, v := range vs {
			vs[i] = string(c.redactValue(nil, name, v))
		}
	}
	return out
}

// appendRedacted appends v, a credential header's value, redacted, to dst.
func appendRedacted(dst []byte, v string) []byte {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return append(dst, "[redacted]"...)
	}
	cred = strings.TrimSpace(cred)
	var buf [128]byte // a usual credential decodes here, not on the heap
	raw := buf[:0]
	if n := base64.StdEncoding.DecodedLen(len(cred)); n > len(buf) {
		raw = make([]byte, 0, n)
	}
	raw, err := base64.StdEncoding.AppendDecode(raw, []byte(cred))
	if err != nil {
		return append(append(dst, scheme...), " [redacted: not base64]"...)
	}
	id, _, ok := bytes.Cut(raw, []byte(":"))
	if !ok { // no "id:secret": the whole value may be a secret
		return append(append(dst, scheme...), " [redacted: no Auth ID]"...)
	}
	dst = append(append(append(dst, scheme...), ' '), id...)
	return append(dst, ":[redacted]"...)
}
