package mockservertest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// Server is a running fake.
type Server struct {
	URL       string // base URL of the API, e.g. http://127.0.0.1:PORT (no trailing slash, no /v1)
	AdminURL  string // base URL of the control plane
	AuthID    string // the account to call with
	AuthToken string
	Mock      *mockserver.Server // the fake itself: Journal, SetReady...
	// Director holds the active scenarios (Activate, Reset, Calls); its
	// routes are on AdminURL. Nil when WithOptions set a Responder.
	Director *scripted.Director

	api, admin *httptest.Server
}

// An Option changes how the fake is built.
type Option func(*config)

type config struct {
	spec   *openapi3.T
	id     string
	token  string
	opts   mockserver.Options
	single bool // the accounts were set with WithAccount
	names  []string
	ss     []*scenarios.Scenario
}

// WithSpec serves doc instead of the embedded contract.
func WithSpec(doc *openapi3.T) Option { return func(c *config) { c.spec = doc } }

// WithAccount makes id/token the one account the fake accepts, and the one
// Client sends. The default is mockserver.DefaultAuthID/DefaultAuthToken.
func WithAccount(id, token string) Option {
	return func(c *config) { c.id, c.token, c.single = id, token, true }
}

// WithOptions sets the fake's options (world, responder, strict ids...).
// Response validation is always on, and WithAccount, if given, wins over
// opts.Accounts.
func WithOptions(opts mockserver.Options) Option { return func(c *config) { c.opts = opts } }

// WithScenario activates built-in scenarios by name (later ones override
// earlier ones), as `phlomock serve --scenario NAME` does.
func WithScenario(names ...string) Option {
	return func(c *config) { c.names = append(c.names, names...) }
}

// WithScenarios activates parsed scenarios, after those of WithScenario.
func WithScenarios(ss ...*scenarios.Scenario) Option {
	return func(c *config) { c.ss = append(c.ss, ss...) }
}

// Start runs a fake until Close. Tests prefer NewServer.
func Start(opts ...Option) (*Server, error) {
	c := &config{id: mockserver.DefaultAuthID, token: mockserver.DefaultAuthToken}
	for _, o := range opts {
		o(c)
	}
	if c.spec == nil {
		doc, err := openapi.Load()
		if err != nil {
			return nil, err
		}
		c.spec = doc
	}
	if c.single || c.opts.Accounts == nil {
		c.opts.Accounts = mockserver.StaticAccounts{c.id: c.token}
	}
	c.opts.ValidateResponses = true
	var d *scripted.Director
	switch {
	case c.opts.Responder == nil:
		var err error
		d, err = scripted.New(scripted.Options{Accounts: c.opts.Accounts, World: c.opts.World, Operations: scripted.OperationIDs(c.spec), Logger: c.opts.Logger})
		if err == nil {
			err = activate(d, c)
		}
		if err != nil {
			return nil, err
		}
		c.opts.Responder, c.opts.World, c.opts.Accounts = d, d, d
	case len(c.names)+len(c.ss) > 0:
		return nil, errors.New("mockservertest: WithScenario and a Responder in WithOptions: choose one")
	}
	m, err := mockserver.New(c.spec, c.opts)
	if err != nil {
		return nil, err
	}
	s := &Server{AuthID: c.id, AuthToken: c.token, Mock: m, Director: d}
	s.api = httptest.NewServer(m)
	var routes []mockserver.AdminRoute
	if d != nil {
		routes = d.AdminRoutes(m.Journal())
	}
	s.admin = httptest.NewServer(m.AdminHandler(routes...))
	s.URL, s.AdminURL = s.api.URL, s.admin.URL
	return s, nil
}

func activate(d *scripted.Director, c *config) error {
	if len(c.names)+len(c.ss) == 0 {
		return nil
	}
	ss, err := d.Lookup(c.names...)
	if err != nil {
		return err
	}
	return d.Activate(append(ss, c.ss...)...)
}

// NewServer starts a fake and closes it when tb ends. It fails tb if the
// fake cannot be built.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatalf("mockservertest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Client returns an HTTP client for the fake that adds the server's Basic
// credentials to requests that carry no Authorization header.
func (s *Server) Client() *http.Client {
	base := s.api.Client()
	return &http.Client{Transport: &basicAuth{id: s.AuthID, token: s.AuthToken, next: base.Transport}}
}

// Journal returns the exchanges the fake has seen, oldest first.
func (s *Server) Journal(f mockserver.Filter) []*mockserver.Entry {
	return s.Mock.Journal().Entries(f)
}

// Close stops the fake, waiting for in-flight requests. It may be called
// more than once.
func (s *Server) Close() {
	s.api.Close()
	s.admin.Close()
}

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
