package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/metrics"
	"github.com/phlomock/phlomock/redisstore"
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

// runServe is `phlomock serve`: read the configuration, build the fake
// (package fake), listen, serve until ctx ends, shut down.
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
	// Stamped before reading, so an edit made during start-up is reloaded.
	watched := stamps(fake.ScenarioFiles(c.scenarioArgs()))
	f, doc, phlo, err := c.build(logger, store, m.ServeMiddleware)
	if err != nil {
		return err
	}
	if err := f.Start(ctx, c.addr); err != nil {
		_ = f.Close(context.Background())
		return &exitError{code: 2, err: listenFlag(err)}
	}
	adminURL := f.AdminURL
	if adminURL == "" {
		adminURL = "off"
	}
	fmt.Fprintf(stdout, "phlomock serving %s on %s (control plane %s); %s\n",
		servedAPI(doc, phlo), f.URL, adminURL, credentialsNote(doc, phlo, c.authID, shownToken(c.authToken)))
	logger.Info("listening", slog.String("url", f.URL), slog.String("admin", adminURL), slog.String("auth_id", c.authID),
		slog.String("scenarios", strings.Join(f.Director.Active(), ",")), slog.String("admin_prefix", c.adminPrefix))
	if c.watch {
		w := &watcher{args: c.scenarioArgs(), last: watched, interval: m.WatchInterval, fake: f, logger: logger}
		if w.interval <= 0 {
			w.interval = defaultWatchInterval
		}
		go w.run(ctx)
	}
	return f.Wait()
}

// listenFlag names the flag of a port that could not be opened.
func listenFlag(err error) error {
	var le *fake.ListenError
	if !errors.As(err, &le) {
		return err
	}
	flag, other := "--addr", "--addr 127.0.0.1:8090 --admin-addr 127.0.0.1:8091"
	if le.Admin {
		flag = "--admin-addr"
	}
	if errors.Is(le.Err, syscall.EADDRINUSE) {
		// The usual cause: the fake of an earlier terminal still runs.
		return fmt.Errorf("listen %s: %w: something listens there already (a phlomock serve still running?); stop it, or give this one other ports: %s", flag, le.Err, other)
	}
	return fmt.Errorf("listen %s: %w", flag, le.Err)
}

// build loads the contract and the scenarios and builds the fake. A bad
// --spec exits 2; a bad scenario file exits 1, every problem as
// file:line:column; an unknown scenario name exits 2. With a shared store,
// the simulated calls, the rules' counts, the scenarios and the journal
// are kept in it, and the scenarios given at start are taken up without
// clearing the calls or counts of other replicas.
func (c *serveConfig) build(logger *slog.Logger, store *redisstore.Store, mw func(http.Handler) http.Handler) (*fake.Fake, *openapi3.T, bool, error) {
	doc, err := c.loadSpec()
	if err != nil {
		return nil, nil, false, &exitError{code: 2, err: err}
	}
	cfg, err := c.fakeConfig(logger)
	if err != nil {
		return nil, nil, false, &exitError{code: 2, err: err} // checked by parseServeFlags
	}
	// A spec of another API (spec.go): no PHLO scenario by default, its
	// examples answered, its bearer or API key schemes given --auth-token.
	phlo := isPHLOSpec(doc)
	if !phlo {
		c.noDefaultScenario = true
		if err := builtinsForSpec(c.scenarios.values, doc, c.spec); err != nil {
			return nil, nil, false, &exitError{code: 1, err: fmt.Errorf("--scenario: %w", err)}
		}
	}
	cfg.AnswerExamples, cfg.APIToken = !phlo, c.authToken
	cfg.Scenarios, cfg.Metrics = c.scenarioArgs(), metrics.New()
	cbConfig, err := c.callbacks.config(logger)
	if err != nil {
		return nil, nil, false, &exitError{code: 2, err: err} // checked by parseServeFlags
	}
	if store != nil {
		// A replica that stops leaves its queued callbacks to the others
		// (the Dispatcher closes its Outbox).
		cbConfig.Outbox = redisstore.NewOutbox(store)
	}
	cfg.Callbacks = callbacks.New(cbConfig) // the fake closes it
	if store != nil {
		cfg.Backend, cfg.Rejoin = store, true
		cfg.SessionBackend = func(id string) fake.Backend { return store.Session(id) }
	}
	if mw != nil {
		cfg.Middleware = append(cfg.Middleware, mw)
	}
	f, err := fake.New(doc, cfg)
	if err != nil {
		return nil, nil, false, scenarioExit(err)
	}
	for _, w := range f.Director.Shadowing() {
		logger.Warn("scenario shadows a built-in", slog.String("warning", w))
	}
	return f, doc, phlo, nil
}

// scenarioExit is the exit of a fake that could not be built: 2 for an
// unknown scenario name (a misuse), 1 for a bad scenario file.
func scenarioExit(err error) error {
	var ne *fake.NameError
	if errors.As(err, &ne) {
		return &exitError{code: 2, err: fmt.Errorf("--scenario:\n%w", err)}
	}
	var se *fake.ScenarioError
	if errors.As(err, &se) {
		return &exitError{code: 1, err: fmt.Errorf("--scenario:\n%w", err)}
	}
	return &exitError{code: 2, err: err}
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

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
