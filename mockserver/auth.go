package mockserver

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync/atomic"
)

// The default account, documented in the README: what a fresh `phlomock
// serve` accepts when no account is configured.
const (
	DefaultAuthID    = "MAPHLOMOCKDEFAULT001"
	DefaultAuthToken = "phlomock-default-auth-token"
)

// Accounts says which Auth IDs exist and their Auth Tokens.
type Accounts interface {
	Token(authID string) (token string, ok bool)
}

// StaticAccounts maps Auth IDs to Auth Tokens.
type StaticAccounts map[string]string

// Token implements Accounts.
func (a StaticAccounts) Token(authID string) (string, bool) {
	t, ok := a[authID]
	return t, ok
}

// checkCredentials reports whether id and token name an account. The token
// comparison takes the same time whether or not the id exists.
func checkCredentials[T string | []byte](accounts Accounts, id string, token T) bool {
	want, ok := accounts.Token(id)
	a := sha256.Sum256([]byte(token))
	b := accountSum(want)
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && ok
}

// lastAccount is the hash of the last account token checked, kept: the
// same account calls again and again, and hashing its token was half of
// checkCredentials' time. Only the presented token, the caller's, is
// hashed every time, so the comparison still takes the same time whatever
// it is.
var lastAccount atomic.Pointer[accountHash]

type accountHash struct {
	token string
	sum   [sha256.Size]byte
}

// accountSum is sha256.Sum256 of an account's token.
func accountSum(token string) [sha256.Size]byte {
	if h := lastAccount.Load(); h != nil && h.token == token {
		return h.sum
	}
	h := &accountHash{token: token, sum: sha256.Sum256([]byte(token))}
	lastAccount.Store(h)
	return h.sum
}

// auth checks HTTP Basic credentials against the state's accounts (401),
// unless the operation's security allows anonymous calls or names other
// schemes (security.go).
func (s *Server) auth(x *request) *RequestError {
	if x.op.security != nil && !x.op.public {
		return s.authSchemes(x) // security.go: bearer, apiKey, several schemes
	}
	var buf [192]byte
	id, token, hasAuth := s.basicAuth(x.r, buf[:0])
	x.entry.AuthID = id
	switch {
	case x.op.public:
	case !hasAuth:
		return refuse(CodeUnauthorized, notBasic(x.r.Header.Get("Authorization")))
	case !checkCredentials(x.state.Accounts, id, token):
		return refuse(CodeUnauthorized, "Authentication failed: invalid Auth ID or Auth Token.")
	case x.params["auth_id"] != "" && x.params["auth_id"] != id:
		// The account in the path is the caller's own: credentials of
		// one account never act for another.
		return refuse(CodeUnauthorized, "Authentication failed: the Auth ID in the path is not the one of the credentials.")
	}
	return nil
}

// basicAuth is r.BasicAuth, with the same answers, without copying the
// credentials to the heap: the token is decoded into buf (it is only
// hashed), and the Auth ID is the journal's copy when it has one (a fresh
// string otherwise). The two allocations of r.BasicAuth were a tenth of
// the pipeline's.
func (s *Server) basicAuth(r *http.Request, buf []byte) (id string, token []byte, ok bool) {
	const prefix = "Basic "
	auth := r.Header.Get("Authorization")
	if len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return "", nil, false
	}
	c, err := base64.StdEncoding.AppendDecode(buf, []byte(auth[len(prefix):]))
	if err != nil {
		return "", nil, false
	}
	rawID, token, ok := bytes.Cut(c, []byte(":"))
	if !ok {
		return "", nil, false
	}
	id, known := s.journal.authIDs.get(rawID)
	if !known {
		id = string(rawID)
	}
	return id, token, true
}

// notBasic words a request without Basic credentials: none at all, another
// scheme (a Bearer token: the credentials were provided, just not as this
// API takes them), or Basic that does not decode. The header's value is
// never echoed, only a scheme name that is a plain word.
func notBasic(header string) string {
	const how = "use HTTP Basic auth with your Auth ID and Auth Token."
	scheme, _, _ := strings.Cut(strings.TrimSpace(header), " ")
	switch {
	case header == "":
		return "Authentication credentials were not provided: " + how
	case strings.EqualFold(scheme, "Basic"):
		return "Authentication failed: the Basic credentials are not base64 of AUTH_ID:AUTH_TOKEN; " + how
	case len(scheme) <= 20 && strings.IndexFunc(scheme, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }) < 0:
		return "Authentication failed: this API takes HTTP Basic auth, not " + scheme + "; " + how
	}
	return "Authentication failed: the Authorization header is not HTTP Basic; " + how
}
