package mockserver

import (
	"crypto/sha256"
	"crypto/subtle"
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
func checkCredentials(accounts Accounts, id, token string) bool {
	want, ok := accounts.Token(id)
	a := sha256.Sum256([]byte(token))
	b := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && ok
}

// auth checks HTTP Basic credentials against the state's accounts (401),
// unless the operation's security allows anonymous calls.
func (s *Server) auth(x *request) *RequestError {
	id, token, hasAuth := x.r.BasicAuth()
	x.entry.AuthID = id
	switch {
	case x.op.public:
	case !hasAuth:
		return refuse(CodeUnauthorized, "Authentication credentials were not provided: use HTTP Basic auth with your Auth ID and Auth Token.")
	case !checkCredentials(x.state.Accounts, id, token):
		return refuse(CodeUnauthorized, "Authentication failed: invalid Auth ID or Auth Token.")
	}
	return nil
}
