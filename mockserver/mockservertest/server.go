package mockservertest

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
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
	// routes are on AdminURL. Nil when WithOptions set a Store.
	Director *director.Director
	// SessionID is the session a Server from Session is (its account is
	// AuthID): the control plane acts on it with ?session=SessionID or
	// the X-Phlomock-Session header. Empty: the default session.
	SessionID string

	fake    *fake.Fake
	session *director.Session
}

// An Option changes how the fake is built.
type Option func(*config)

type config struct {
	spec    *openapi3.T
	id      string
	token   string
	opts    mockserver.Options
	world   mockserver.World
	names   []string
	ss      []func(scenarios.KnownOperations) (*scenarios.Scenario, error) // WithScenarios, WithScenarioFile, WithScenarioYAML, in order
	backend fake.Backend
}

// WithSpec serves doc instead of the embedded contract.
func WithSpec(doc *openapi3.T) Option { return func(c *config) { c.spec = doc } }

// WithAccount makes id/token the one account the fake accepts, and the one
// Client sends. The default is mockserver.DefaultAuthID/DefaultAuthToken.
func WithAccount(id, token string) Option {
	return func(c *config) { c.id, c.token = id, token }
}

// WithWorld declares PHLOs and nodes beyond the active scenarios' (which
// win for the same id), as `phlomock serve --ids` does; with
// mockserver.Options.StrictIDs, other ids answer 404.
func WithWorld(w mockserver.World) Option { return func(c *config) { c.world = w } }

// WithOptions sets the fake's options (strict ids, journal size...).
// Response validation is always on. A Store in opts replaces the Director
// and its scenarios (no WithScenario then); its states' accounts are
// replaced by the one account of WithAccount (or the default one), and
// their world, when they have none, by WithWorld's.
func WithOptions(opts mockserver.Options) Option { return func(c *config) { c.opts = opts } }

// WithStore keeps in st everything `phlomock serve --store redis://...`
// keeps there (fake.Config.Backend, such as a redisstore.Store): the
// simulated calls, the rules' counts, the scenarios and the journal, so
// that a test runs against the Redis store as serve does. Fakes on one
// store and prefix share them as replicas do: each takes up what the
// others activate or upload (Director.Follow runs until Close). Close
// writes the shared journal's queue. Nil keeps everything in the fake.
func WithStore(st fake.Backend) Option { return func(c *config) { c.backend = st } }

// WithScenario activates built-in scenarios by name (later ones override
// earlier ones), as `phlomock serve --scenario NAME` does.
func WithScenario(names ...string) Option {
	return func(c *config) { c.names = append(c.names, names...) }
}

// WithScenarios activates parsed scenarios, after those of WithScenario.
func WithScenarios(ss ...*scenarios.Scenario) Option {
	return func(c *config) {
		for _, sc := range ss {
			c.ss = append(c.ss, func(scenarios.KnownOperations) (*scenarios.Scenario, error) { return sc, nil })
		}
	}
}

// WithScenarioFile activates the scenario file at path, after those of
// WithScenario, as `phlomock serve --scenario FILE` does. A problem in the
// file fails Start (and the test, with NewServer) with every problem as
// path:line:column.
func WithScenarioFile(path string) Option {
	return func(c *config) {
		c.ss = append(c.ss, func(known scenarios.KnownOperations) (*scenarios.Scenario, error) {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			return scenarios.Check(path, data, known)
		})
	}
}

// WithScenarioYAML activates a scenario written in the test itself, in the
// format of a scenario file; its problems are reported as
// "scenario YAML:line:column".
func WithScenarioYAML(yaml string) Option {
	return func(c *config) {
		c.ss = append(c.ss, func(known scenarios.KnownOperations) (*scenarios.Scenario, error) {
			return scenarios.Check("scenario YAML", []byte(yaml), known)
		})
	}
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
	cfg := fake.Config{Options: c.opts, Accounts: mockserver.StaticAccounts{c.id: c.token}, World: c.world,
		Scenarios: c.names, Backend: c.backend, AdminAddr: "127.0.0.1:0"}
	cfg.ValidateResponses = true
	if len(c.ss) > 0 {
		known := director.OperationIDs(c.spec)
		for _, load := range c.ss {
			sc, err := load(known)
			if err != nil {
				return nil, err
			}
			cfg.Active = append(cfg.Active, sc)
		}
	}
	f, err := fake.New(c.spec, cfg)
	if err != nil {
		return nil, err
	}
	if err := f.Start(context.Background(), "127.0.0.1:0"); err != nil {
		_ = f.Close(context.Background())
		return nil, err
	}
	return &Server{URL: f.URL, AdminURL: f.AdminURL, AuthID: c.id, AuthToken: c.token, Mock: f.API, Director: f.Director, fake: f}, nil
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
	return s.Mock.Journal().Entries(f)
}

// Session gives tb a fake of its own inside s: a session with a fresh
// account, its own scenarios, counters, calls and journal, ended when tb
// ends. Tests that call t.Parallel() share one fake this way, each seeing
// only its own journal; names activates scenarios in it.
func (s *Server) Session(tb testing.TB, names ...string) *Server {
	tb.Helper()
	ss, err := s.fake.Sessions.Create(director.CreateOptions{Scenarios: names})
	if err != nil {
		tb.Fatalf("mockservertest: session: %v", err)
	}
	tb.Cleanup(func() { _ = s.fake.Sessions.Delete(ss.ID) })
	c := *s
	c.AuthID, c.AuthToken, c.Director, c.SessionID, c.session = ss.AuthID, ss.AuthToken, ss.Director(), ss.ID, ss
	return &c
}

// Close stops the fake, waiting for in-flight requests. It may be called
// more than once.
func (s *Server) Close() { _ = s.fake.Close(context.Background()) }

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
