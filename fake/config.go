package fake

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// Config is everything a fake is built from. The zero value works: the
// default account (mockserver.DefaultAuthID, DefaultAuthToken), every
// well-formed id, no scenario active (the contract answers), state in
// memory, the control plane off.
type Config struct {
	// Options are the data plane's: strict ids, body and journal bounds,
	// response validation, the logger (also the director's, and where
	// Start, Serve and Close log). Options.Store is for a fake without
	// scenarios: a Store of your own answers instead of the director (no
	// Scenarios then); its states' accounts are replaced by Accounts when
	// given, and their world, when they have none, by World.
	mockserver.Options

	// Accounts may call the API, and win over an account a scenario
	// declares with the same Auth ID. Nil: the default account, after the
	// scenarios' own.
	Accounts mockserver.Accounts
	// World declares PHLOs and nodes beyond the active scenarios' (which
	// win for the same id); with StrictIDs, the only ones that exist.
	World mockserver.World

	// Scenarios are activated at New, in order (later ones win): each a
	// built-in name ("bad-role") or a scenario file (a .yaml or .yml name,
	// or one with a path separator), read with ReadFile and kept loaded so
	// the control plane can name it. Every problem of every one is
	// reported at once, and nothing is built on error; an unknown name is
	// a *NameError.
	Scenarios []string
	// Active are parsed scenarios, activated after Scenarios.
	Active []*scenarios.Scenario
	// ReadFile reads a scenario file. Nil: os.ReadFile.
	ReadFile func(name string) ([]byte, error)

	// Sessions bound the per-test sessions (how many, their TTL and
	// journals). The zero value: the director's defaults. With a Backend, its
	// Store and Scope are set by New (see SessionBackend).
	Sessions director.SessionOptions
	// SessionBackend, with a Backend that also keeps sessions
	// (director.SessionStore, as redisstore.Store does), is where each
	// session keeps its own state (redisstore.Store.Session): a session
	// created on one replica is then the same session on all. With a
	// Backend and no SessionBackend no session can be created, since its
	// state would not be shared.
	SessionBackend func(id string) Backend
	// Callbacks sends the event callbacks of the simulated calls (package
	// callbacks.New starts it). The fake closes it: at Close, once no
	// request can queue more, it sends the queue within FlushTimeout;
	// when New fails, at once. Nil: none are sent.
	Callbacks *callbacks.Dispatcher

	// Rejoin, with a Backend, makes the fake a replica joining others, as
	// serve starts: the calls and counts its scenarios have in the store
	// go on as they are, and a shared state started with the same
	// Scenarios is taken up as it is (what was activated or uploaded
	// since). Otherwise its scenarios start over, for every replica.
	Rejoin bool
	// Backend keeps the fake's state where several replicas share it
	// (redisstore.Open). Nil: in this process. Whoever opened it closes
	// it, after Close: one backend may serve several fakes in turn.
	Backend Backend

	// AdminAddr is where Start serves the control plane on a port of its
	// own ("127.0.0.1:0"). Empty: no port of its own.
	AdminAddr string
	// AdminPrefix mounts the control plane on the API's port, under this
	// path (such as /__admin), behind AdminToken, which it then needs.
	AdminPrefix string
	// AdminToken is the bearer token the control plane asks for, on its
	// own port and under AdminPrefix; the probes and the dashboard's files
	// are open. Empty: an open control plane (on its own port only).
	AdminToken string
	// Routes are extra control plane routes (a route with the name of one
	// of the fake's replaces it).
	Routes []mockserver.AdminRoute
	// Middleware wraps the API's handler, first one outermost, inside the
	// connection limits.
	Middleware []func(http.Handler) http.Handler
	// Metrics, when set, counts every exchange, serves GET /metrics on the
	// control plane and reads the journal, calls, readiness and backend.
	Metrics *metrics.Metrics

	// Limits bound what a client can make the fake hold (Start, Serve).
	Limits Limits
	// ShutdownTimeout bounds how long the end of Serve's or Start's ctx
	// waits for requests in flight. 0: DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// WatchInterval is how often the backend is pinged for readiness, and
	// dropped journal entries are looked for. 0: DefaultWatchInterval.
	WatchInterval time.Duration
}

// Limits bound the connections of the fake's ports. The zero value of a
// field is its default.
type Limits struct {
	// MaxInFlight: more requests at once answer 503 with Retry-After.
	// 0: mockserver.DefaultMaxInFlight.
	MaxInFlight int
	// MaxHeaderBytes: a longer request line and headers answer 431.
	// 0: mockserver.DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// ReadHeaderTimeout, ReadTimeout and IdleTimeout are http.Server's.
	// 0: 10 s, 1 min and 2 min.
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
	// MinBodyRate and BodyGrace: a request body is read before the
	// request takes an in-flight slot, and must arrive within BodyGrace
	// plus a second per MinBodyRate bytes, else 408
	// (mockserver.BodyFirst). 0: mockserver.DefaultMinBodyRate and
	// DefaultBodyGrace.
	MinBodyRate int
	BodyGrace   time.Duration
}

// Defaults of Config.
const (
	DefaultShutdownTimeout = 10 * time.Second
	DefaultWatchInterval   = time.Second
	// FlushTimeout bounds how long Close waits for a shared journal's
	// queue to be written, and for the callbacks still queued to be sent:
	// a store or receiver that went away costs that, not a hang.
	FlushTimeout = 5 * time.Second
)

// A Backend keeps the fake's state where several replicas of it share it:
// the simulated calls, the rules' counts, the active and loaded scenarios,
// and the journal. redisstore.Store is one (redisstore.Open); nil in
// Config is this process's memory. Each group of methods is one part of
// the state; scope names a set of scenarios the same way on every replica,
// so sets never see each other's calls or counts. An error of a Backend is
// the store's: the fake answers 503 naming it, and the state is as it was.
type Backend interface {
	// Calls returns the simulated calls of one set (package multiparty's model).
	Calls(scope string) multiparty.Calls
	// ResetCalls forgets the calls of every set, every replica's.
	ResetCalls(ctx context.Context) error

	// Counter returns the hits of one set's counting rules (times,
	// sequences).
	Counter(scope string) scenarios.Counter
	// ClearCounts starts one set's counts from zero, for every replica.
	ClearCounts(ctx context.Context, scope string) error
	// ResetCounts starts every set's counts from zero.
	ResetCounts(ctx context.Context) error

	// Publish replaces the shared scenarios with state, as version, if
	// their version is still base ("": none); false when another replica
	// published first.
	Publish(ctx context.Context, base, version string, state []byte) (bool, error)
	// Load returns the shared scenarios and their version ("": none).
	Load(ctx context.Context) (state []byte, version string, err error)
	// Watch calls changed with every version it sees, until ctx ends.
	Watch(ctx context.Context, changed func(version string))

	// Journal starts the journal the replicas share, of at most size
	// entries; the fake closes it (flushing its queue) at Close.
	Journal(size int) mockserver.JournalStore

	// Ping checks the store answers: /readyz follows it.
	Ping(ctx context.Context) error
	// String names the store in logs and metrics, without a password.
	String() string
}

// logged is a Backend that logs what happens to it beyond an error (a
// store that lost its state, redisstore.Store).
type logged interface{ SetLogger(*slog.Logger) }

// observed is a Backend that can report its round trips and key prefix to
// Config.Metrics (redisstore.Store).
type observed interface {
	Observe(func(command string, took time.Duration, err error))
	Prefix() string
}
