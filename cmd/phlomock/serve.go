package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// serveConfig is what the serve flags and PHLOMOCK_ variables set.
type serveConfig struct {
	addr, adminAddr     string
	authID, authToken   string
	spec                string
	ids                 string
	strictIDs           bool
	actionStatus        int
	maxBody             int
	validateResponses   bool
	journalSize         int
	logFormat, logLevel string
	shutdownTimeout     time.Duration
}

func serveFlags(stderr io.Writer) (*flag.FlagSet, *serveConfig, error) {
	c := &serveConfig{}
	fs := newFlagSet("serve", stderr)
	var errs []error
	// Each flag's default is its PHLOMOCK_ variable, else the built-in value.
	str := func(p *string, name, env, def, usage string) {
		fs.StringVar(p, name, envDefault(env, def), usage+" (env PHLOMOCK_"+env+")")
	}
	boolean := func(p *bool, name, env, usage string) {
		v, err := strconv.ParseBool(envDefault(env, "false"))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %q is not a boolean", env, envDefault(env, "")))
		}
		fs.BoolVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	integer := func(p *int, name, env string, def int, usage string) {
		v, err := strconv.Atoi(envDefault(env, strconv.Itoa(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %q is not an integer", env, envDefault(env, "")))
		}
		fs.IntVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	str(&c.addr, "addr", "ADDR", "127.0.0.1:8080", "address of the API (containers: 0.0.0.0:8080)")
	str(&c.adminAddr, "admin-addr", "ADMIN_ADDR", "127.0.0.1:8081", "address of the control plane (/healthz, /readyz, /__admin/); empty disables it")
	str(&c.authID, "auth-id", "AUTH_ID", mockserver.DefaultAuthID, "Auth ID accepted by the fake")
	str(&c.authToken, "auth-token", "AUTH_TOKEN", mockserver.DefaultAuthToken, "Auth Token accepted by the fake")
	str(&c.spec, "spec", "SPEC", "", "OpenAPI 3 file to serve instead of the embedded contract")
	str(&c.ids, "ids", "IDS", "", "PHLOs and nodes that exist with --strict-ids: P1/N1,P1/N2,P2")
	boolean(&c.strictIDs, "strict-ids", "STRICT_IDS", "only the --ids PHLOs and nodes exist; others answer 404")
	integer(&c.actionStatus, "action-status", "ACTION_STATUS", 201, "status of node and member actions: 201 (the docs) or 200 (the seed's saved response)")
	integer(&c.maxBody, "max-body", "MAX_BODY", mockserver.DefaultMaxBodyBytes, "largest request body in bytes (413 above)")
	boolean(&c.validateResponses, "validate-responses", "VALIDATE_RESPONSES", "check every answer against the spec (500 if it breaks it)")
	integer(&c.journalSize, "journal-size", "JOURNAL_SIZE", mockserver.DefaultJournalSize, "exchanges kept in the journal")
	str(&c.logFormat, "log-format", "LOG_FORMAT", "text", "request log format: text or json")
	str(&c.logLevel, "log-level", "LOG_LEVEL", "info", "log level: debug, info, warn or error")
	timeout, err := time.ParseDuration(envDefault("SHUTDOWN_TIMEOUT", "10s"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_SHUTDOWN_TIMEOUT: %w", err))
	}
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", timeout, "how long in-flight requests may take to finish on SIGINT/SIGTERM (env PHLOMOCK_SHUTDOWN_TIMEOUT)")
	return fs, c, errors.Join(errs...)
}

// serveMiddleware wraps the API handler; tests set it to know when a
// request is in flight.
var serveMiddleware func(http.Handler) http.Handler

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, c, envErr := serveFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if envErr != nil {
		return &exitError{code: 2, err: envErr}
	}
	logger, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	opts, doc, err := c.options(logger)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	srv, err := mockserver.New(doc, opts)
	if err != nil {
		return &exitError{code: 2, err: err}
	}

	// Listen synchronously so a busy port fails here, and :0 works.
	apiLn, err := net.Listen("tcp", c.addr)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("listen --addr: %w", err)}
	}
	var api http.Handler = srv
	if serveMiddleware != nil {
		api = serveMiddleware(api)
	}
	servers := []*http.Server{{Handler: api, ReadHeaderTimeout: 10 * time.Second}}
	listeners := []net.Listener{apiLn}
	adminURL := "off"
	if c.adminAddr != "" {
		adminLn, err := net.Listen("tcp", c.adminAddr)
		if err != nil {
			apiLn.Close()
			return &exitError{code: 2, err: fmt.Errorf("listen --admin-addr: %w", err)}
		}
		servers = append(servers, &http.Server{Handler: srv.AdminHandler(adminRoutes(srv)...), ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, adminLn)
		adminURL = "http://" + adminLn.Addr().String()
	}
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	apiURL := "http://" + apiLn.Addr().String()
	fmt.Fprintf(stdout, "phlomock serving the PHLO runner API on %s (control plane %s); Basic auth %s:%s\n",
		apiURL, adminURL, c.authID, c.authToken)
	logger.Info("listening", slog.String("url", apiURL), slog.String("admin", adminURL), slog.String("auth_id", c.authID))

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	srv.SetReady(false)
	logger.Info("shutting down: finishing in-flight requests", slog.Duration("timeout", c.shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func (c *serveConfig) options(logger *slog.Logger) (mockserver.Options, *openapi3.T, error) {
	var doc *openapi3.T
	var err error
	if c.spec == "" {
		doc, err = openapi.Load()
	} else {
		var data []byte
		data, err = os.ReadFile(c.spec)
		if err == nil {
			doc, err = openapi.Parse(data)
		}
		if err != nil {
			err = fmt.Errorf("--spec %s: %w", c.spec, err)
		}
	}
	if err != nil {
		return mockserver.Options{}, nil, err
	}
	if c.authID == "" || c.authToken == "" {
		return mockserver.Options{}, nil, errors.New("--auth-id and --auth-token must not be empty")
	}
	if c.actionStatus != 200 && c.actionStatus != 201 {
		return mockserver.Options{}, nil, fmt.Errorf("--action-status %d: want 200 or 201", c.actionStatus)
	}
	world, err := parseIDs(c.ids)
	if err != nil {
		return mockserver.Options{}, nil, err
	}
	return mockserver.Options{
		Accounts:          mockserver.StaticAccounts{c.authID: c.authToken},
		World:             world,
		StrictIDs:         c.strictIDs,
		ActionStatus:      c.actionStatus,
		MaxBodyBytes:      int64(c.maxBody),
		ValidateResponses: c.validateResponses,
		JournalSize:       c.journalSize,
		Logger:            logger,
	}, doc, nil
}

// parseIDs reads --ids: comma-separated PHLO or PHLO/NODE items.
func parseIDs(s string) (mockserver.World, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	w := mockserver.StaticWorld{}
	for i, item := range strings.Split(s, ",") {
		phlo, node, hasNode := strings.Cut(strings.TrimSpace(item), "/")
		if phlo == "" || hasNode && (node == "" || strings.Contains(node, "/")) {
			return nil, fmt.Errorf("--ids item %d %q: want PHLO_ID or PHLO_ID/NODE_ID", i+1, item)
		}
		if hasNode {
			w[phlo] = append(w[phlo], node)
		} else if _, ok := w[phlo]; !ok {
			w[phlo] = nil
		}
	}
	return w, nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// adminRoutes are the control plane's routes beyond mockserver's own
// (health, readiness, journal): scenario activation, call inspection and
// verification are added here.
func adminRoutes(_ *mockserver.Server) []mockserver.AdminRoute {
	return nil
}
