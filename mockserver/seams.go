package mockserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"
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

// A Phlo is a PHLO the world declares.
type Phlo struct {
	ID        string
	Name      string
	CreatedOn string
}

// A Node is a node of a PHLO the world declares.
type Node struct {
	ID        string
	PhloID    string
	Type      string // "multi_party_call"
	Name      string
	CreatedOn string
}

// World says which PHLOs and nodes exist. Without Options.StrictIDs it is
// only asked for names; with it, an id it does not know answers 404.
type World interface {
	Phlo(phloID string) (Phlo, bool)
	Node(phloID, nodeID string) (Node, bool)
}

// An Exchange is a request that passed routing, auth and validation, as a
// Responder sees it.
type Exchange struct {
	OperationID string
	Method      string
	Path        string // as received, before the trailing slash was stripped
	PathParams  map[string]string
	Query       url.Values
	Header      http.Header
	AuthID      string
	// Body is the decoded body after normalisation (role defaulted...), nil
	// when the request had none. RawBody is exactly what was sent.
	Body    map[string]any
	RawBody []byte
}

// An Answer replaces the spec's default answer.
type Answer struct {
	Status int
	// Header is added to the answer (canonical keys, as http.Header.Set
	// makes them). A Content-Type here replaces application/json.
	Header http.Header
	// Body is sent as is (a newline is added if missing); an empty, non-nil
	// Body is sent empty, without Content-Type unless Header gives one. A
	// nil Body gets the spec's default answer for a 2xx status, and
	// {"api_id","error"} with the status text otherwise.
	Body  []byte
	Delay time.Duration // wait before answering (cut short if the client leaves)
	Drop  bool          // close the connection without answering
	// Verbatim sends the answer as given even with
	// Options.ValidateResponses, which otherwise turns an answer that
	// breaks the contract into a 500: for an answer that breaks it on
	// purpose, such as a scenario rule's (the user's explicit choice).
	Verbatim bool
	// Scenario and Rule name what answered; CallSeq is the number a
	// stateful call gave the action (package mpc), so a journal can be
	// replayed in order. All three are copied to the journal entry.
	Scenario string
	Rule     string
	CallSeq  uint64
	// ClosestRule, when no rule answered, is the rule that came closest,
	// copied to the journal entry. It is read even with ok=false (a
	// Responder that answers nothing but explains why).
	ClosestRule *RuleMiss
}

// A Responder may answer an exchange instead of the spec. ok=false leaves it
// to the next step (the default answer); a non-nil a with ok=false is read
// for its ClosestRule only. A Responder that panics has its
// request answered 500 with the panic's text (violation code internal),
// kept in the journal like any other.
type Responder interface {
	Respond(ctx context.Context, ex *Exchange) (a *Answer, ok bool)
}

// ResponderFunc adapts a function to Responder.
type ResponderFunc func(ctx context.Context, ex *Exchange) (*Answer, bool)

// Respond implements Responder.
func (f ResponderFunc) Respond(ctx context.Context, ex *Exchange) (*Answer, bool) {
	return f(ctx, ex)
}

// StaticWorld declares PHLOs and their nodes: PHLO id -> node ids. Names and
// creation times are the defaults.
type StaticWorld map[string][]string

// Phlo implements World.
func (w StaticWorld) Phlo(id string) (Phlo, bool) {
	_, ok := w[id]
	return Phlo{ID: id, Name: DefaultPhloName, CreatedOn: DefaultCreatedOn}, ok
}

// Node implements World.
func (w StaticWorld) Node(phloID, nodeID string) (Node, bool) {
	for _, n := range w[phloID] {
		if n == nodeID {
			return Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: DefaultNodeName, CreatedOn: DefaultCreatedOn}, true
		}
	}
	return Node{}, false
}

// A Store gives each request the state it is served from: the accounts that
// may call, the PHLOs and nodes that exist, and the Responder that may
// answer instead of the spec. It is the fake's one seam for state that
// changes while it serves (package scripted switches scenarios; a store
// shared by several replicas implements it too): see the package
// documentation for what an implementation must guarantee.
type Store interface {
	// State returns the state that serves r, from the credential check to
	// the answer. It is called once per request that reaches auth. An
	// error answers 503 with its text (code unavailable); the request is
	// journaled like any other.
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
}

// State implements Store: s serves every request.
func (s State) State(*http.Request) (State, error) { return s, nil }
