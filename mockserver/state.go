package mockserver

import (
	"errors"
	"net/http"
)

// A Store gives each request the state it is served from: the accounts that
// may call, the PHLOs and nodes that exist, and the Responder that may
// answer instead of the spec. It is the fake's one seam for state that
// changes while it serves (package director switches scenarios; a store
// shared by several replicas implements it too): see the package
// documentation for what an implementation must guarantee.
type Store interface {
	// State returns the state that serves r, from the credential check to
	// the answer. It is called once per request that reaches auth. An
	// error answers 503 with its text (code unavailable), but a
	// *RequestError, which answers as itself (a session that ended: 400);
	// the request is journaled like any other.
	State(r *http.Request) (State, error)
}

// A State is what one request sees, whole, from start to end. A nil field
// takes the fake's default: the default account, every well-formed id
// exists, the spec answers.
//
// A State is also a Store whose state never changes: it serves every
// request from itself, so Options{Store: State{World: w}} is a fake with a
// fixed world.
type State struct {
	Accounts  Accounts
	World     World
	Responder Responder
	// Journal receives the request's exchange: a session's own journal
	// (package director's Sessions). Nil: the fake's (Server.Journal).
	Journal *Journal
}

// State implements Store: s serves every request.
func (s State) State(*http.Request) (State, error) { return s, nil }

// defaultAccounts are the accounts of a State without any.
var defaultAccounts Accounts = StaticAccounts{DefaultAuthID: DefaultAuthToken}

// state asks the Store for the state of the whole request: the steps after
// it read x.state, never the Store.
func (s *Server) state(x *request) *RequestError {
	st, err := s.opts.Store.State(x.r)
	if err != nil {
		if re, ok := errors.AsType[*RequestError](err); ok {
			return re
		}
		return refuse(CodeUnavailable, "The fake's state is unavailable: "+err.Error()+".")
	}
	if st.Accounts == nil {
		st.Accounts = defaultAccounts
	}
	if st.World == nil {
		st.World = openWorld{}
	}
	x.state = st
	return nil
}
