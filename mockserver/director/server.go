package director

import (
	"errors"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// A Server is the fake with scenarios, wired once: what `phlomock serve`,
// `phlomock conform`, the certifier and package mockservertest all run. It
// listens nowhere; serve API and Admin with an http.Server (or
// httptest.NewServer) of your own.
type Server struct {
	// API serves the data plane, the PHLO runner API. Its Store is Director.
	API *mockserver.Server
	// Admin serves the control plane with every route: the fake's own
	// (health, readiness, journal) and the Director's (scenarios, reset,
	// calls, verify).
	Admin http.Handler
	// Director holds the active scenarios: Activate, Load, Reset, Calls.
	// It is the default session's.
	Director *Director
	// Sessions are the fake's sessions (each a Director and a journal of
	// its own), and its Store: Create, Get, Delete. Close them with the fake.
	Sessions *Sessions
	// Journal is the fake's record of exchanges (API.Journal()).
	Journal *mockserver.Journal
}

// NewServer builds the fake serving doc, with a Director as its Store and
// the active scenarios it is given. opts configure the Director: the
// accounts and world beyond the scenarios' (Operations default to doc's).
// fake configures the rest of the fake; its Store must be nil, since the
// Director is the Store. A Logger given to one of them is used by both.
func NewServer(doc *openapi3.T, opts Options, fake mockserver.Options, active ...*scenarios.Scenario) (*Server, error) {
	if fake.Store != nil {
		return nil, errors.New("director: NewServer: mockserver.Options.Store is set, but the Director is the fake's Store")
	}
	if opts.Operations == nil {
		opts.Operations = OperationIDs(doc)
	}
	if opts.Contract == nil {
		opts.Contract = Operations(doc)
	}
	if opts.Logger == nil {
		opts.Logger = fake.Logger
	}
	if fake.Logger == nil {
		fake.Logger = opts.Logger
	}
	d, err := New(opts, active...)
	if err != nil {
		return nil, err
	}
	if opts.Sessions.JournalBodyLimit == 0 {
		opts.Sessions.JournalBodyLimit = fake.JournalBodyLimit
	}
	ss := NewSessions(d, opts.Sessions)
	fake.Store = ss
	api, err := mockserver.New(doc, fake)
	if err != nil {
		return nil, err
	}
	return &Server{
		API:      api,
		Admin:    api.AdminHandler(ss.AdminRoutes(api.Journal())...),
		Director: d,
		Sessions: ss,
		Journal:  api.Journal(),
	}, nil
}
