package faketest

import (
	"context"
	"net/http"
	"testing"

	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
)

// Server is a running fake.
type Server struct {
	URL       string // base URL of the API, e.g. http://127.0.0.1:PORT (no trailing slash, no /v1)
	AdminURL  string // base URL of the control plane
	AuthID    string // the account Client and PhloClient call with
	AuthToken string
	// Director holds the active scenarios (Activate, Reset, Calls); its
	// routes are on AdminURL. Nil when Config.Options.Store answers
	// instead.
	Director *director.Director
	// SessionID is the session a Server from Session is (its account is
	// AuthID): the control plane acts on it with ?session=SessionID or
	// the X-Phlomock-Session header. Empty: the default session.
	SessionID string
	// Fake is the fake itself: its data plane (Fake.API: Journal,
	// SetReady), Sessions and handlers.
	Fake *fake.Fake

	session *director.Session
}

// NewServer builds the fake from cfg, serving the embedded contract, with
// the scenarios named after cfg.Scenarios (built-in names or files, later
// ones win), starts it on loopback ports and closes it when tb ends. It
// fails tb with every problem if the fake cannot be built.
//
// Beyond cfg it always validates the fake's answers
// (Options.ValidateResponses) and, when cfg gives the control plane no
// address or prefix, serves it on a loopback port of its own (AdminURL).
// Client and PhloClient call with the default account, or with the first
// Auth ID of cfg.Accounts when it lists them (mockserver.StaticAccounts).
func NewServer(tb testing.TB, cfg fake.Config, scenarios ...string) *Server {
	tb.Helper()
	s, err := Start(cfg, scenarios...)
	if err != nil {
		tb.Fatalf("faketest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start is NewServer without a testing.TB: the fake runs until Close.
// Tests prefer NewServer.
func Start(cfg fake.Config, scenarios ...string) (*Server, error) {
	doc, err := openapi.Load()
	if err != nil {
		return nil, err
	}
	cfg.Scenarios = append(cfg.Scenarios[:len(cfg.Scenarios):len(cfg.Scenarios)], scenarios...)
	cfg.ValidateResponses = true
	if cfg.AdminAddr == "" && cfg.AdminPrefix == "" {
		cfg.AdminAddr = "127.0.0.1:0"
	}
	id, token := account(cfg.Accounts)
	f, err := fake.New(doc, cfg)
	if err != nil {
		return nil, err
	}
	if err := f.Start(context.Background(), "127.0.0.1:0"); err != nil {
		_ = f.Close(context.Background())
		return nil, err
	}
	return &Server{URL: f.URL, AdminURL: f.AdminURL, AuthID: id, AuthToken: token, Director: f.Director, Fake: f}, nil
}

// account is the account the clients call with: the first Auth ID a
// accepts when it lists them, else the default account.
func account(a mockserver.Accounts) (id, token string) {
	if l, ok := a.(mockserver.AccountLister); ok {
		for _, id := range l.AuthIDs() {
			if token, ok := a.Token(id); ok {
				return id, token
			}
		}
	}
	return mockserver.DefaultAuthID, mockserver.DefaultAuthToken
}

// Client returns an HTTP client for the fake that adds the server's Basic
// credentials to requests that carry no Authorization header.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &basicAuth{id: s.AuthID, token: s.AuthToken, next: http.DefaultTransport}}
}

// PhloClient returns the reference client (package client) pointed at the
// fake, with the server's account; opts come after those and may replace
// them (WithUserAgent, WithRetry...).
func (s *Server) PhloClient(opts ...client.Option) *client.Client {
	return client.New(s.AuthID, s.AuthToken, append([]client.Option{client.WithBaseURL(s.URL), client.WithHTTPClient(&http.Client{})}, opts...)...)
}

// Journal returns the exchanges the fake has seen, oldest first: a
// session's own (Session).
func (s *Server) Journal(f mockserver.Filter) []*mockserver.Entry {
	if s.session != nil {
		return s.session.Journal().Entries(f)
	}
	return s.Fake.Journal().Entries(f)
}

// Session gives tb a fake of its own inside s: a session with a fresh
// account, its own scenarios, counters, calls and journal, ended when tb
// ends. Tests that call t.Parallel() share one fake this way, each seeing
// only its own journal; names activates scenarios in it.
func (s *Server) Session(tb testing.TB, names ...string) *Server {
	tb.Helper()
	ss, err := s.Fake.Sessions.Create(director.CreateOptions{Scenarios: names})
	if err != nil {
		tb.Fatalf("faketest: session: %v", err)
	}
	tb.Cleanup(func() { _ = s.Fake.Sessions.Delete(ss.ID) })
	c := *s
	c.AuthID, c.AuthToken, c.Director, c.SessionID, c.session = ss.AuthID, ss.AuthToken, ss.Director(), ss.ID, ss
	return &c
}

// Close stops the fake, waiting for in-flight requests. It may be called
// more than once.
func (s *Server) Close() { _ = s.Fake.Close(context.Background()) }

type basicAuth struct {
	id, token string
	next      http.RoundTripper
}

func (b *basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.SetBasicAuth(b.id, b.token)
	}
	return b.next.RoundTrip(r)
}
