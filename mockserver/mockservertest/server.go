package mockservertest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/redisstore"
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
	// routes are on AdminURL. Nil when WithOptions set a Store.
	Director *scripted.Director

	api, admin *httptest.Server
	// follow ends the Director's Follow (WithShared), and followed is
	// closed when it has.
	follow   context.CancelFunc
	followed chan struct{}
	journal  *redisstore.Journal // WithStore's, written at Close
}

// An Option changes how the fake is built.
type Option func(*config)

type config struct {
	spec  *openapi3.T
	id    string
	token string
	opts  mockserver.Options
	world mockserver.World
	names []string
	ss    []func(scenarios.KnownOperations) (*scenarios.Scenario, error) // WithScenarios, WithScenarioFile, WithScenarioYAML, in order

	counters scripted.CounterStore
	shared   scripted.SharedState
	store    *redisstore.Store
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

// WithCounters keeps the hits of the rules that count (times, sequences)
// in cs (scripted.Options.Counters), such as a redisstore.CounterStore
// that several fakes share; nil keeps them in the fake.
func WithCounters(cs scripted.CounterStore) Option { return func(c *config) { c.counters = cs } }

// WithShared keeps the active and loaded scenarios in ss
// (scripted.Options.Shared), such as a redisstore.StateStore that several
// fakes share as replicas do: an activation or upload on one is taken up
// by the others (Director.Follow runs until Close). Scenarios built in Go
// (WithScenarios) cannot be shared: use WithScenarioYAML or a file.
func WithShared(ss scripted.SharedState) Option { return func(c *config) { c.shared = ss } }

// WithStore keeps in st everything `phlomock serve --store redis://...`
// keeps there (redisstore.NewServer): the simulated calls, the rules'
// counts, the scenarios and the journal, so that a test runs against the
// Redis store as serve does. Fakes on one store and prefix share them as
// replicas do: the scenarios of a fake's options are activated for all,
// and each takes up what the others activate or upload after it started
// (Director.Follow runs until Close). Close writes the shared journal's
// queue. Nil keeps everything in the fake.
func WithStore(st *redisstore.Store) Option { return func(c *config) { c.store = st } }

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
	accounts := mockserver.StaticAccounts{c.id: c.token}
	c.opts.ValidateResponses = true
	s := &Server{AuthID: c.id, AuthToken: c.token}
	var api, admin http.Handler
	if c.opts.Store != nil {
		// The test's own Store: the plain fake, no scenarios.
		if len(c.names)+len(c.ss) > 0 {
			return nil, errors.New("mockservertest: WithScenario and a Store in WithOptions: choose one")
		}
		c.opts.Store = overridden{next: c.opts.Store, accounts: accounts, world: c.world}
		m, err := mockserver.New(c.spec, c.opts)
		if err != nil {
			return nil, err
		}
		s.Mock, api, admin = m, m, m.AdminHandler()
	} else {
		if c.store != nil && (c.counters != nil || c.shared != nil) {
			return nil, errors.New("mockservertest: WithStore and WithCounters or WithShared: choose one (the store keeps the counts and the scenarios too)")
		}
		fake, journal, err := redisstore.NewServer(c.store, c.spec, scripted.Options{Accounts: accounts, World: c.world, Logger: c.opts.Logger, Counters: c.counters, Shared: c.shared}, c.opts)
		if err != nil {
			return nil, err
		}
		s.journal = journal
		if err := activate(fake.Director, c); err != nil {
			s.closeJournal()
			return nil, err
		}
		s.Mock, s.Director, api, admin = fake.API, fake.Director, fake.API, fake.Admin
		if c.shared != nil || c.store != nil {
			var ctx context.Context
			ctx, s.follow = context.WithCancel(context.Background())
			s.followed = make(chan struct{})
			go func() { defer close(s.followed); fake.Director.Follow(ctx) }()
		}
	}
	s.api, s.admin = httptest.NewServer(api), httptest.NewServer(admin)
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
	for _, load := range c.ss {
		sc, err := load(d.Operations())
		if err != nil {
			return err
		}
		ss = append(ss, sc)
	}
	return d.ActivateDefaults(ss...) // what Director.Reset comes back to
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

// PhloClient returns the reference client (package client) pointed at the
// fake, with the server's account; opts come after those and may replace
// them (WithUserAgent, WithRetry...).
func (s *Server) PhloClient(opts ...client.Option) *client.Client {
	return client.New(s.AuthID, s.AuthToken, append([]client.Option{client.WithBaseURL(s.URL), client.WithHTTPClient(s.api.Client())}, opts...)...)
}

// Journal returns the exchanges the fake has seen, oldest first.
func (s *Server) Journal(f mockserver.Filter) []*mockserver.Entry {
	return s.Mock.Journal().Entries(f)
}

// Close stops the fake, waiting for in-flight requests. It may be called
// more than once.
func (s *Server) Close() {
	if s.follow != nil {
		s.follow()
		<-s.followed
	}
	s.api.Close()
	s.admin.Close()
	s.closeJournal()
}

// journalCloseTimeout bounds how long Close waits for the shared journal's
// queue to be written (as serve at shutdown).
const journalCloseTimeout = 5 * time.Second

// closeJournal writes the shared journal's queue (WithStore).
func (s *Server) closeJournal() {
	if s.journal != nil {
		ctx, cancel := context.WithTimeout(context.Background(), journalCloseTimeout)
		defer cancel()
		_ = s.journal.Close(ctx)
	}
}

// overridden is a test's Store with the server's one account, and its
// world when the Store's states have none.
type overridden struct {
	next     mockserver.Store
	accounts mockserver.Accounts
	world    mockserver.World
}

func (o overridden) State(r *http.Request) (mockserver.State, error) {
	st, err := o.next.State(r)
	st.Accounts = o.accounts
	if st.World == nil {
		st.World = o.world
	}
	return st, err
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
