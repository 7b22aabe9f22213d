package fake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// A Fake is the fake PHLO runner with its scenarios, its control plane and
// its state, built once by New and run by Start or Serve until Close.
type Fake struct {
	// API is the data plane: the handler built from the spec, its Journal
	// and readiness (SetReady).
	API *mockserver.Server
	// Director holds the active scenarios: Activate, Reset, Calls. It is
	// the default session's. Nil when Options.Store answers instead.
	Director *director.Director
	// Sessions are the fake's sessions (each a Director and a journal of
	// its own) and the data plane's Store: Create, Get, Delete. Close
	// closes them. Nil when Options.Store answers instead.
	Sessions *director.Sessions
	// URL is the API's base URL once Start or Serve listens
	// (http://127.0.0.1:PORT, no trailing slash); AdminURL the control
	// plane's: its own port's, or URL+AdminPrefix, or "" when it has none.
	URL, AdminURL string

	cfg Config
	// journal is the Backend's (nil in memory): closed by Close, after the
	// last request, to write its queue.
	journal mockserver.JournalStore
	api     http.Handler // as served on the API port: prefix mount, middleware
	admin   http.Handler // the control plane on its own port
	routes  []mockserver.AdminRoute

	run     *running
	closing sync.Once
	closed  chan struct{}
	err     error
}

// New builds the fake serving doc as cfg says; it listens nowhere until
// Start or Serve. A bad scenario, an unknown scenario name (*NameError) or
// a bad admin prefix is an error, and nothing is left running.
func New(doc *openapi3.T, cfg Config) (f *Fake, err error) {
	defer func() {
		if err != nil && cfg.Callbacks != nil {
			_ = cfg.Callbacks.Close(context.Background()) // nothing queued: no request was served
		}
	}()
	if doc == nil {
		return nil, errors.New("fake: nil spec")
	}
	opts := cfg.Options
	if cfg.Metrics != nil && opts.Observer == nil {
		opts.Observer = cfg.Metrics
	}
	f = &Fake{cfg: cfg, closed: make(chan struct{})}
	if opts.Store != nil {
		if len(cfg.Scenarios)+len(cfg.Active) > 0 || cfg.Backend != nil {
			return nil, errors.New("fake: Options.Store, or Scenarios, Active and Backend: choose one (the Store answers instead of the director)")
		}
		if cfg.Accounts != nil || cfg.World != nil {
			opts.Store = overridden{next: opts.Store, accounts: cfg.Accounts, world: cfg.World}
		}
		api, err := mockserver.New(doc, opts)
		if err != nil {
			return nil, err
		}
		f.API = api
	} else if err := f.direct(doc, opts); err != nil {
		return nil, err
	}
	if err := f.handlers(); err != nil {
		f.closeJournal()
		if f.Sessions != nil {
			f.Sessions.Close()
		}
		return nil, err
	}
	return f, nil
}

// direct builds the director, the data plane it answers for and, with a
// Backend, the shared journal, and activates cfg's scenarios.
func (f *Fake) direct(doc *openapi3.T, opts mockserver.Options) error {
	cfg := f.cfg
	dopts := director.Options{Accounts: cfg.Accounts, World: cfg.World, Logger: opts.Logger, Operations: director.OperationIDs(doc), Contract: director.Operations(doc),
		Callbacks: cfg.Callbacks, HoldLog: true}
	if b := cfg.Backend; b != nil {
		dopts.Calls, dopts.Counters, dopts.Shared = callStore{b}, counterStore{b}, b
		if l, ok := b.(logged); ok && opts.Logger != nil {
			l.SetLogger(opts.Logger) // a loss of the store's state is logged once
		}
	}
	d, err := director.New(dopts)
	if err != nil {
		return err
	}
	sopts := cfg.Sessions
	if sopts.JournalBodyLimit == 0 {
		sopts.JournalBodyLimit = opts.JournalBodyLimit
	}
	if cfg.Backend != nil {
		sopts = sessionsIn(cfg.Backend, cfg.SessionBackend, sopts)
	}
	ss := director.NewSessions(d, sopts)
	opts.Store = ss
	api, err := mockserver.New(doc, opts)
	if err != nil {
		ss.Close()
		return err
	}
	f.API, f.Director, f.Sessions = api, d, ss
	if cfg.Backend != nil {
		f.journal = cfg.Backend.Journal(opts.JournalSize)
		api.Journal().SetStore(f.journal)
	}
	if len(cfg.Scenarios)+len(cfg.Active) == 0 {
		return nil
	}
	if err := f.activate(cfg.Scenarios, cfg.Active, cfg.Rejoin && cfg.Backend != nil); err != nil {
		f.closeJournal()
		ss.Close()
		return err
	}
	return nil
}

// handlers builds the control plane and the API's handler as served.
func (f *Fake) handlers() error {
	cfg := f.cfg
	if f.Sessions != nil {
		f.routes = f.Sessions.AdminRoutes(f.API.Journal())
	} else {
		f.routes = director.JournalRoutes(f.API.Journal())
	}
	if m := cfg.Metrics; m != nil {
		f.routes = append(f.routes, m.Route())
		f.watchMetrics(m)
	}
	f.routes = append(f.routes, cfg.Routes...)
	f.admin = f.API.AdminHandlerToken(cfg.AdminToken, f.routes...)
	return f.front(f.API)
}

// front makes api the handler of the API's port: inside the middleware,
// and beside the control plane under AdminPrefix.
func (f *Fake) front(api http.Handler) error {
	for i := len(f.cfg.Middleware) - 1; i >= 0; i-- {
		api = f.cfg.Middleware[i](api)
	}
	if p := f.cfg.AdminPrefix; p != "" {
		cp, err := f.API.AdminPrefix(p, f.cfg.AdminToken, f.routes...)
		if err != nil {
			return err
		}
		api = underPrefix(p, cp, api)
	}
	f.api = api
	return nil
}

// Front serves h on the API's port in the fake's place (a proxy that asks
// the fake in-process, mockserver.Server.Simulate), with extra control
// plane routes; Middleware and AdminPrefix apply to it as to the fake.
// Call it before Start or Serve.
func (f *Fake) Front(h http.Handler, routes ...mockserver.AdminRoute) error {
	f.routes = append(f.routes, routes...)
	f.admin = f.API.AdminHandlerToken(f.cfg.AdminToken, f.routes...)
	return f.front(h)
}

// Handler is the API's port as Start serves it: the API (or Front's
// handler), its middleware, and the control plane under AdminPrefix.
func (f *Fake) Handler() http.Handler { return f.api }

// AdminHandler is the control plane as Start serves it on AdminAddr.
func (f *Fake) AdminHandler() http.Handler { return f.admin }

// Journal is the fake's record of exchanges (API.Journal()).
func (f *Fake) Journal() *mockserver.Journal { return f.API.Journal() }

// underPrefix serves the paths under prefix with in, every other with out.
func underPrefix(prefix string, in, out http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, prefix); ok && (rest == "" || rest[0] == '/') {
			in.ServeHTTP(w, r)
			return
		}
		out.ServeHTTP(w, r)
	})
}

// watchMetrics gives m what it reads when scraped.
func (f *Fake) watchMetrics(m *metrics.Metrics) {
	src := metrics.Sources{Journal: f.API.Journal(), Ready: f.API.Ready, Store: "memory"}
	if f.Director != nil {
		src.Calls = f.liveCalls
	}
	if f.journal != nil {
		src.JournalDropped = f.journal.Dropped
	}
	if b := f.cfg.Backend; b != nil {
		src.Store = b.String()
		if o, ok := b.(observed); ok {
			o.Observe(m.ObserveStore)
			src.StorePrefix = o.Prefix()
		}
	}
	m.Watch(src)
}

// liveCalls is the active set's calls for the metrics (none when the
// store does not answer: the store's own metrics say so).
func (f *Fake) liveCalls() []multiparty.Snapshot {
	calls, _ := f.Director.Calls(context.Background())
	return calls
}

// overridden is a Store of the caller's with Config's accounts, and its
// world when the Store's states have none.
type overridden struct {
	next     mockserver.Store
	accounts mockserver.Accounts
	world    mockserver.World
}

func (o overridden) State(r *http.Request) (mockserver.State, error) {
	st, err := o.next.State(r)
	if o.accounts != nil {
		st.Accounts = o.accounts
	}
	if st.World == nil {
		st.World = o.world
	}
	return st, err
}

// callStore and counterStore are a Backend's parts as the director asks
// for them.
// sessionsIn keeps the sessions in b, each one's state in scope(id); none
// can be created when b keeps no sessions or scope is nil.
func sessionsIn(b Backend, scope func(id string) Backend, so director.SessionOptions) director.SessionOptions {
	st, ok := b.(director.SessionStore)
	if !ok || scope == nil {
		so.Max = -1
		return so
	}
	size := so.JournalSize
	if size <= 0 {
		size = director.DefaultSessionJournalSize
	}
	so.Store = st
	so.Scope = func(id string) director.SessionScope {
		sb := scope(id)
		j := sb.Journal(size)
		return director.SessionScope{Shared: sb, Calls: callStore{sb}, Counters: counterStore{sb}, Journal: j, Close: j.Close}
	}
	return so
}

type callStore struct{ b Backend }

func (c callStore) Calls(scope string) multiparty.Calls { return c.b.Calls(scope) }
func (c callStore) Reset(ctx context.Context) error     { return c.b.ResetCalls(ctx) }

type counterStore struct{ b Backend }

func (c counterStore) Counter(scope string) scenarios.Counter { return c.b.Counter(scope) }
func (c counterStore) Clear(ctx context.Context, scope string) error {
	return c.b.ClearCounts(ctx, scope)
}
func (c counterStore) Reset(ctx context.Context) error { return c.b.ResetCounts(ctx) }
