package callbacks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// The headers Plivo signs its callbacks with.
const (
	HeaderSignature = "X-Plivo-Signature-V3"
	HeaderNonce     = "X-Plivo-Signature-V3-Nonce"
)

// SignV3 is the X-Plivo-Signature-V3 of a request to rawURL: HMAC-SHA256,
// keyed by the account's auth token, of the URL without its query, "?",
// the query and the parameters sorted as below, ".", and the nonce, in
// base64. This is the string the official validators rebuild (plivo-go's
// ValidateSignatureV3, plivo-node's validateV3Signature):
//
//   - GET: the URL's query and params merged, as k=v joined by "&", sorted
//     by key;
//   - POST: the URL's query as above, then "." when there was a query,
//     then each param as key and value concatenated, sorted by key;
//   - "?" only when there is a query or a param.
//
// params are the form fields of a form body (none for a JSON body: the
// validators are given no params for it).
func SignV3(rawURL, method, nonce, token string, params map[string]string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://" + u.Host + u.Path)
	query := map[string]string{}
	for k, v := range u.Query() {
		query[k] = v[0] // as the validators read a query: the first value
	}
	if method == "GET" {
		for k, v := range params {
			query[k] = v
		}
		params = nil
	}
	if len(query) > 0 || len(params) > 0 {
		b.WriteByte('?')
	}
	for i, k := range sortedKeys(query) {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + query[k])
	}
	if len(query) > 0 && len(params) > 0 {
		b.WriteByte('.')
	}
	for _, k := range sortedKeys(params) {
		b.WriteString(k + params[k])
	}
	b.WriteString("." + nonce)
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Nonce returns a fresh nonce: 20 random digits, the shape Plivo sends.
func Nonce() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b[:])
}
