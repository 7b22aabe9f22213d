package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/mockserver/mpc"
	"github.com/phlomock/phlomock/mockserver/redisstore"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/redis/go-redis/v9"
)

// serveGCPercent is the garbage collector's target while serving, unless
// GOGC is set. The journal keeps the last exchanges, so the live heap is
// larger than a bare handler's and each collection marks more; collecting
// half as often costs about 3 MiB of RSS and gives back about 5% of the
// requests per second (BENCHMARKS.md).
//
// With a journal of more than bigJournal entries the live heap is the
// journal's, and the room the collector leaves grows with it: a full
// 100,000-entry journal took 146.5 MiB of RSS at GOGC=200 and 118.9 MiB at
// 100, 1,093 and 841 bytes an entry beyond the body and answer kept
// (go run ./bench/rss): such a journal is collected at 100.
const (
	serveGCPercent = 200
	bigJournal     = 10_000
)

// gcPercent is the collector's target for a journal of journalSize entries.
func gcPercent(journalSize int) int {
	if journalSize > bigJournal {
		return 100
	}
	return serveGCPercent
}

// runServe is `phlomock serve`: read the configuration, build the fake,
// listen, serve until ctx ends, shut down.
func (m *Main) runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent(c.journalSize))
	}
	logger, _ := newLogger(stderr, c.logFormat, c.logLevel) // checked by parseServeFlags
	store, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	f, err := c.build(logger, store)
	if err != nil {
		return err
	}
	sources := metrics.Sources{Journal: f.server.Journal(), Calls: f.liveCalls, Ready: f.server.Ready, Store: "memory"}
	if f.journal != nil {
		sources.JournalDropped = f.journal.Dropped
	}
	if store != nil {
		store.Observe(f.metrics.ObserveStore)
		sources.Store, sources.StorePrefix = store.String(), store.Prefix()
	}
	f.metrics.Watch(sources)
	if m.ServeMiddleware != nil {
		f.api = m.ServeMiddleware(f.api)
	}
	l, err := c.listen(f)
	if err != nil {
		return err
	}
	errc := l.serve()
	fmt.Fprintf(stdout, "phlomock serving %s on %s (control plane %s); %s\n",
		f.banner, l.apiURL, l.adminURL, f.credentials(c.authID, shownToken(c.authToken)))
	logger.Info("listening", slog.String("url", l.apiURL), slog.String("admin", l.adminURL), slog.String("auth_id", c.authID),
		slog.String("scenarios", strings.Join(f.director.Active(), ",")), slog.String("admin_prefix", c.adminPrefix))
	// watched closes when the store's watcher ends: before shutdown marks
	// the fake not ready, so the watcher cannot mark it ready again.
	var watched chan struct{}
	if store != nil {
		logger.Info("store", slog.String("store", store.String()), slog.String("prefix", store.Prefix()))
		watched = make(chan struct{})
		go func() { defer close(watched); watchStore(ctx, store, f.server, logger) }()
		go f.director.Follow(ctx) // the other replicas' activations and uploads
	}
	if f.journal != nil {
		go watchJournalDrops(ctx, f.journal.Dropped, storeCheckInterval, logger)
	}
	if c.watch {
		w := &watcher{args: c.scenarioArgs(), last: f.watched, interval: m.WatchInterval, director: f.director, logger: logger}
		if w.interval <= 0 {
			w.interval = defaultWatchInterval
		}
		go w.run(ctx)
	}

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	if watched != nil {
		<-watched
	}
	f.server.SetReady(false)
	logger.Info("shutting down: finishing in-flight requests", slog.Duration("timeout", c.shutdownTimeout))
	err = l.shutdown(c.shutdownTimeout)
	closeCallbacks(f.callbacks, logger)
	f.closeJournal(logger)
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// listening is serve's servers on their open listeners.
type listening struct {
	servers          []*http.Server
	listeners        []net.Listener
	apiURL, adminURL string // as the start-up line shows them
}

// listen opens the ports synchronously, so a busy port fails here and :0
// works: the API's, and the control plane's unless --admin-addr is empty.
func (c *serveConfig) listen(f *serveFake) (*listening, error) {
	apiLn, err := net.Listen("tcp", c.addr)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("listen --addr: %w", err)}
	}
	l := &listening{servers: []*http.Server{c.limits.apiServer(f.api)}, listeners: []net.Listener{apiLn}}
	l.apiURL, l.adminURL = listenURL(c.addr, apiLn), "off"
	if c.adminPrefix != "" {
		l.adminURL = l.apiURL + c.adminPrefix
	}
	if c.adminAddr != "" {
		adminLn, err := net.Listen("tcp", c.adminAddr)
		if err != nil {
			apiLn.Close()
			return nil, &exitError{code: 2, err: fmt.Errorf("listen --admin-addr: %w", err)}
		}
		l.servers = append(l.servers, c.limits.server(f.admin))
		l.listeners = append(l.listeners, adminLn)
		l.adminURL = listenURL(c.adminAddr, adminLn)
	}
	return l, nil
}

// serve serves each listener in a goroutine; the channel has the first
// error a server stops with.
func (l *listening) serve() <-chan error {
	errc := make(chan error, len(l.servers))
	for i, s := range l.servers {
		go func() { errc <- s.Serve(l.listeners[i]) }()
	}
	return errc
}

// shutdown lets in-flight requests finish, for at most timeout.
func (l *listening) shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, s := range l.servers {
		errs = append(errs, s.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// serveFake is the fake serve runs, built before any port opens.
type serveFake struct {
	server   *mockserver.Server
	director *scripted.Director
	api      http.Handler // the API, with the control plane under --admin-prefix
	admin    http.Handler // the control plane for --admin-addr
	metrics  *metrics.Metrics
	watched  map[string]fileStamp
	// journal is the shared journal with a store (nil in memory): closed
	// at shutdown, after the last request, to write its queue.
	journal *redisstore.Journal
	// callbacks sends the event callbacks: closed at shutdown, after the
	// last request, to send its queue.
	callbacks *callbacks.Dispatcher
	// banner names the API served and credentials what it accepts, for the
	// start-up line (spec.go).
	banner      string
	credentials func(id, token string) string
}

// build loads the contract and the scenarios and wires the fake. A bad
// --spec exits 2; a bad scenario file exits 1, every problem as
// file:line:column; an unknown scenario name exits 2.
//
// With a shared store, the simulated calls, the rules' counts, the
// scenarios and the journal are kept in it (redisstore.NewServer: the ring
// is kept per process too), and the scenarios given at start are taken up
// without clearing the calls or counts of other replicas (Director.Start).
func (c *serveConfig) build(logger *slog.Logger, store *redisstore.Store) (*serveFake, error) {
	doc, err := c.loadSpec()
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	directorOpts, opts, err := c.options(logger)
	if err != nil {
		return nil, &exitError{code: 2, err: err} // checked by parseServeFlags
	}
	// A spec of another API (spec.go): no PHLO scenario by default, its
	// examples answered, its bearer or API key schemes given --auth-token.
	phlo := isPHLOSpec(doc)
	if !phlo {
		c.noDefaultScenario = true
		if err := builtinsForSpec(c.scenarios.values, doc, c.spec); err != nil {
			return nil, &exitError{code: 1, err: fmt.Errorf("--scenario: %w", err)}
		}
	}
	opts.AnswerExamples, opts.APIToken = !phlo, c.authToken
	m := metrics.New()
	opts.Observer = m
	cbConfig, err := c.callbacks.config(logger)
	if err != nil {
		return nil, &exitError{code: 2, err: err} // checked by parseServeFlags
	}
	directorOpts.Callbacks = callbacks.New(cbConfig)
	fake, journal, err := redisstore.NewServer(store, doc, directorOpts, opts)
	if err != nil {
		_ = directorOpts.Callbacks.Close(context.Background())
		return nil, &exitError{code: 2, err: err}
	}
	built := false
	defer func() {
		if !built {
			_ = directorOpts.Callbacks.Close(context.Background()) // nothing queued: no request was served
		}
		if !built && journal != nil {
			_ = journal.Close(context.Background()) // nothing queued: no request was served
		}
	}()
	// Stamped before reading, so an edit made during start-up is reloaded.
	watched := stamps(scenarioFiles(c.scenarioArgs()))
	if err := loadScenarios(c.scenarioArgs(), fake.Director, store != nil); err != nil {
		code := 1
		if ne := (*nameError)(nil); errors.As(err, &ne) {
			code = 2
		}
		return nil, &exitError{code: code, err: fmt.Errorf("--scenario:\n%w", err)}
	}
	for _, w := range fake.Director.Shadowing() {
		logger.Warn("scenario shadows a built-in", slog.String("warning", w))
	}
	var api http.Handler = fake.API
	if c.adminPrefix != "" {
		// Checked by checkAdminPrefix, in the flags' words.
		if api, err = fake.AdminPrefix(c.adminPrefix, c.adminToken, m.Route()); err != nil {
			return nil, &exitError{code: 2, err: err}
		}
	}
	f := &serveFake{server: fake.API, director: fake.Director, api: api, admin: fake.AdminToken(c.adminToken, m.Route()), metrics: m, watched: watched,
		banner: servedAPI(doc, phlo), credentials: func(id, token string) string { return credentialsNote(doc, phlo, id, token) },
		journal: journal, callbacks: directorOpts.Callbacks}
	built = true
	return f, nil
}

// journalCloseTimeout bounds how long a stopping serve waits for the
// shared journal's queue to be written.
const journalCloseTimeout = 5 * time.Second

// closeJournal writes the shared journal's queue, once no request can add
// to it (a lost entry is logged, not an exit status: the requests were
// answered).
func (f *serveFake) closeJournal(logger *slog.Logger) {
	if f.journal == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), journalCloseTimeout)
	defer cancel()
	if err := f.journal.Close(ctx); err != nil {
		logger.Error("journal", slog.String("error", err.Error()))
	}
}

// liveCalls is the active set's calls for the metrics (none when the
// store does not answer: the store's own metrics say so).
func (f *serveFake) liveCalls() []mpc.Snapshot {
	calls, _ := f.director.Calls(context.Background())
	return calls
}

// shownToken is the Auth Token as the start-up line prints it: the documented
// default in full, so a newcomer can copy it, and any other token redacted,
// since stdout ends up in CI and container logs.
func shownToken(token string) string {
	if token == mockserver.DefaultAuthToken {
		return token
	}
	return "[redacted]"
}

// listenURL is the URL the start-up line gives for a listener. A wildcard
// address keeps the host it was configured with (0.0.0.0 in a container),
// rather than the "[::]" Go reports for it.
func listenURL(configured string, ln net.Listener) string {
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsUnspecified() {
		return "http://" + ln.Addr().String()
	}
	host, _, _ := net.SplitHostPort(configured)
	if host == "" {
		host = "0.0.0.0"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}

// openStore connects to a --store redis://...: nil for memory. A store
// that does not answer exits 2, named without its password.
func (c *serveConfig) openStore(ctx context.Context) (*redisstore.Store, error) {
	if c.store == "memory" {
		return nil, nil
	}
	// go-redis logs dial failures on its own global logger: serve's
	// logger says once that the store is down instead.
	redis.SetLogger(quietRedis{})
	s, err := redisstore.Open(ctx, c.store, c.storePrefix)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("--store: %w", err)}
	}
	return s, nil
}

// storeCheckInterval is how often serve pings its store: /readyz turns 503
// within about this plus redisstore.DialTimeout of Redis going away, and
// 200 again as soon after it returns.
const storeCheckInterval = time.Second

// watchStore makes /readyz follow the store until ctx ends.
func watchStore(ctx context.Context, s *redisstore.Store, srv *mockserver.Server, logger *slog.Logger) {
	t := time.NewTicker(storeCheckInterval)
	defer t.Stop()
	up := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := s.Ping(ctx)
		if ctx.Err() != nil {
			return // shutting down: runServe owns readiness now
		}
		if ok := err == nil; ok != up {
			up = ok
			srv.SetReady(ok)
			if ok {
				logger.Info("store is back", slog.String("store", s.String()))
			} else {
				logger.Error("store unreachable", slog.String("store", s.String()), slog.String("error", err.Error()))
			}
		}
	}
}

// watchJournalDrops logs, at most once an interval, the shared journal's
// entries dropped since the last look (its queue to the store was full):
// the metric counts them, the log says when it starts.
func watchJournalDrops(ctx context.Context, dropped func() uint64, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := dropped(); n > last {
			logger.Warn("journal entries not shared: the queue to the store was full (phlomock_journal_dropped_total)",
				slog.Uint64("dropped", n-last), slog.Uint64("total", n))
			last = n
		}
	}
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
