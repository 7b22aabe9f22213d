package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
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
	journalBodyLimit    int
	logFormat, logLevel string
	shutdownTimeout     time.Duration
	limits              serveLimits
	scenarios           envList
	watch               bool
	adminPrefix         string
	adminToken          string
}

// envList is a repeatable flag whose default comes from a comma-separated
// environment variable; the first flag replaces that default.
type envList struct {
	values []string
	set    bool
}

func (l *envList) String() string { return strings.Join(l.values, ",") }

func (l *envList) Set(v string) error {
	if !l.set {
		l.values, l.set = nil, true
	}
	l.values = append(l.values, v)
	return nil
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
	integer(&c.journalBodyLimit, "journal-body-limit", "JOURNAL_BODY_LIMIT", mockserver.DefaultJournalBodyLimit, "bytes of each request body and answer the journal keeps (the rest is cut, the entry marked); -1 keeps them whole")
	str(&c.logFormat, "log-format", "LOG_FORMAT", "text", "request log format: text or json")
	str(&c.logLevel, "log-level", "LOG_LEVEL", "info", "log level: debug, info, warn or error")
	timeout, err := time.ParseDuration(envDefault("SHUTDOWN_TIMEOUT", "10s"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_SHUTDOWN_TIMEOUT: %w", err))
	}
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", timeout, "how long in-flight requests may take to finish on SIGINT/SIGTERM (env PHLOMOCK_SHUTDOWN_TIMEOUT)")
	for _, v := range strings.Split(envDefault("SCENARIO", ""), ",") {
		if v = strings.TrimSpace(v); v != "" {
			c.scenarios.values = append(c.scenarios.values, v)
		}
	}
	fs.Var(&c.scenarios, "scenario", "a built-in scenario NAME or a scenario FILE (.yaml); repeatable, later ones override earlier ones (default "+scenarios.Default+") (env PHLOMOCK_SCENARIO, comma-separated)")
	boolean(&c.watch, "watch", "WATCH", "reload the --scenario files when they change; a bad edit is logged and changes nothing")
	str(&c.adminPrefix, "admin-prefix", "ADMIN_PREFIX", "", "also serve the control plane on the API port under this path (e.g. /__admin), behind --admin-token")
	str(&c.adminToken, "admin-token", "ADMIN_TOKEN", "", "bearer token the control plane under --admin-prefix requires")
	if err := c.limits.register(fs); err != nil {
		errs = append(errs, err)
	}
	return fs, c, errors.Join(errs...)
}

// serveMiddleware wraps the API handler; tests set it to know when a
// request is in flight.
var serveMiddleware func(http.Handler) http.Handler

// serveGCPercent is the garbage collector's target while serving, unless
// GOGC is set. The journal keeps the last exchanges, so the live heap is
// larger than a bare handler's and each collection marks more; collecting
// half as often costs about 3 MiB of RSS and gives back about 5% of the
// requests per second (BENCHMARKS.md).
const serveGCPercent = 200

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
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
	// Parsing the contract is most of runServe's time (kin-openapi's loader,
	// BENCHMARKS.md): it runs while the options are checked and the
	// listeners open. Every return waits for it, and a bad --spec is
	// reported before any other error, as when it ran first.
	type loaded struct {
		doc *openapi3.T
		err error
	}
	contract := make(chan loaded, 1)
	go func() {
		doc, err := c.loadSpec()
		contract <- loaded{doc, err}
	}()
	var doc *openapi3.T
	var docErr error
	docDone := false
	waitDoc := func() {
		if !docDone {
			l := <-contract
			doc, docErr, docDone = l.doc, l.err, true
		}
	}
	defer waitDoc()
	// fail reports err, unless the contract did not load.
	fail := func(err error) error {
		if waitDoc(); docErr != nil {
			err = docErr
		}
		return &exitError{code: 2, err: err}
	}

	director, opts, err := c.options(logger)
	if err == nil {
		err = c.limits.check()
	}
	if err == nil {
		err = c.checkAdminPrefix()
	}
	if err != nil {
		return fail(err)
	}

	// Listen synchronously so a busy port fails here, and :0 works.
	apiLn, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fail(fmt.Errorf("listen --addr: %w", err))
	}
	listeners := []net.Listener{apiLn}
	var adminLn net.Listener
	if c.adminAddr != "" {
		if adminLn, err = net.Listen("tcp", c.adminAddr); err != nil {
			apiLn.Close()
			return fail(fmt.Errorf("listen --admin-addr: %w", err))
		}
		listeners = append(listeners, adminLn)
	}
	// The scenarios are read while the contract loads too; stamped before
	// reading, so an edit made during start-up is reloaded.
	watched := stamps(scenarioFiles(c.scenarioArgs()))
	all, files, read := preReadScenarios(c.scenarioArgs())

	// Until the servers own them, an error return closes the listeners.
	serving := false
	defer func() {
		if !serving {
			for _, ln := range listeners {
				ln.Close()
			}
		}
	}()

	waitDoc()
	if docErr != nil {
		return &exitError{code: 2, err: docErr}
	}
	fake, err := scripted.NewServer(doc, director, opts)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	srv, admin := fake.API, fake.Admin
	// A bad scenario file is bad input: exit 1, every problem as file:line:column.
	// When reading them found a problem, loadScenarios reads them again
	// through the Director, which words every one.
	if read {
		err = activateScenarios(fake.Director, all, files)
	} else {
		err = loadScenarios(c.scenarioArgs(), fake.Director)
	}
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("--scenario:\n%w", err)}
	}
	for _, w := range fake.Director.Shadowing() {
		logger.Warn("scenario shadows a built-in", slog.String("warning", w))
	}

	var api http.Handler = srv
	if c.adminPrefix != "" {
		// Checked by checkAdminPrefix, in the flags' words.
		if api, err = fake.AdminPrefix(c.adminPrefix, c.adminToken); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	if serveMiddleware != nil {
		api = serveMiddleware(api)
	}
	servers := []*http.Server{c.limits.apiServer(api)}
	adminURL := "off"
	if adminLn != nil {
		servers = append(servers, c.limits.server(admin))
		adminURL = listenURL(c.adminAddr, adminLn)
	}
	serving = true
	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	apiURL := listenURL(c.addr, apiLn)
	if adminURL == "off" && c.adminPrefix != "" {
		adminURL = apiURL + c.adminPrefix
	}
	fmt.Fprintf(stdout, "phlomock serving the PHLO runner API on %s (control plane %s); Basic auth %s:%s\n",
		apiURL, adminURL, c.authID, shownToken(c.authToken))
	logger.Info("listening", slog.String("url", apiURL), slog.String("admin", adminURL), slog.String("auth_id", c.authID),
		slog.String("scenarios", strings.Join(fake.Director.Active(), ",")), slog.String("admin_prefix", c.adminPrefix))
	if c.watch {
		go watchScenarios(ctx, c.scenarioArgs(), watched, fake.Director, logger)
	}

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

// loadSpec returns the embedded contract, or the --spec file's.
func (c *serveConfig) loadSpec() (*openapi3.T, error) {
	if c.spec == "" {
		return openapi.Load()
	}
	data, err := readInput(c.spec)
	if err == nil {
		var doc *openapi3.T
		if doc, err = openapi.Parse(data); err == nil {
			return doc, nil
		}
	}
	return nil, fmt.Errorf("--spec %s: %w", c.spec, err)
}

// options are the Director's (the accounts and --ids) and the fake's.
func (c *serveConfig) options(logger *slog.Logger) (scripted.Options, mockserver.Options, error) {
	if c.authID == "" || c.authToken == "" {
		return scripted.Options{}, mockserver.Options{}, errors.New("--auth-id and --auth-token must not be empty")
	}
	if c.actionStatus != 200 && c.actionStatus != 201 {
		return scripted.Options{}, mockserver.Options{}, fmt.Errorf("--action-status %d: want 200 or 201", c.actionStatus)
	}
	// mockserver reads 0 (and a negative body or journal size) as its
	// default: a user asking for 0 would silently get 1 MiB, 1000 entries
	// or 64 KiB.
	var errs []error
	if c.maxBody < 1 {
		errs = append(errs, fmt.Errorf("--max-body %d: want 1 or more bytes", c.maxBody))
	}
	if c.journalSize < 1 {
		errs = append(errs, fmt.Errorf("--journal-size %d: want 1 or more exchanges", c.journalSize))
	}
	if c.journalBodyLimit < -1 || c.journalBodyLimit == 0 {
		errs = append(errs, fmt.Errorf("--journal-body-limit %d: want 1 or more bytes, or -1 for whole bodies", c.journalBodyLimit))
	}
	if err := errors.Join(errs...); err != nil {
		return scripted.Options{}, mockserver.Options{}, err
	}
	world, err := parseIDs(c.ids)
	if err != nil {
		return scripted.Options{}, mockserver.Options{}, err
	}
	director := scripted.Options{
		Accounts: mockserver.StaticAccounts{c.authID: c.authToken},
		World:    world,
		Logger:   logger,
	}
	return director, mockserver.Options{
		StrictIDs:         c.strictIDs,
		ActionStatus:      c.actionStatus,
		MaxBodyBytes:      int64(c.maxBody),
		ValidateResponses: c.validateResponses,
		JournalSize:       c.journalSize,
		JournalBodyLimit:  c.journalBodyLimit,
		Logger:            logger,
	}, nil
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

// The control plane's routes are mockserver's own (health, readiness,
// journal) and the Director's (scenarios, reset, calls, verify): see
// mockserver.Server.AdminHandler and scripted.Director.AdminRoutes.

func (c *serveConfig) scenarioArgs() []string {
	if len(c.scenarios.values) == 0 {
		return []string{scenarios.Default}
	}
	return c.scenarios.values
}

func (c *serveConfig) checkAdminPrefix() error {
	p := c.adminPrefix
	switch {
	case p == "":
		return nil
	case !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/"):
		return fmt.Errorf("--admin-prefix %q: want a path such as /__admin (leading slash, no trailing slash)", p)
	case p == "/v1" || strings.HasPrefix(p, "/v1/"):
		return fmt.Errorf("--admin-prefix %q: it would hide the API's own paths (/v1/...)", p)
	case c.adminToken == "":
		return errors.New("--admin-prefix needs --admin-token (or PHLOMOCK_ADMIN_TOKEN): the control plane on the API port must not be open to every caller")
	}
	return nil
}

// isScenarioFile tells a --scenario FILE from a built-in NAME: a file has a
// YAML extension or a path separator.
func isScenarioFile(arg string) bool {
	ext := filepath.Ext(arg)
	return ext == ".yaml" || ext == ".yml" || strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator)
}

// loadScenarios reads the --scenario arguments in order (built-in names and
// files), validates them all and activates them at once; the files are then
// loaded into d so the control plane and the header can name them. Every
// problem of every file is reported; on error nothing changes.
func loadScenarios(args []string, d *scripted.Director) error {
	var all, files []*scenarios.Scenario
	var errs []error
	for _, arg := range args {
		if !isScenarioFile(arg) {
			ss, err := d.Lookup(arg)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w (or a .yaml file)", err))
			}
			all = append(all, ss...)
			continue
		}
		data, err := readInput(arg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", arg, err))
			continue
		}
		s, err := scenarios.Parse(arg, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all, files = append(all, s), append(files, s)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return activateScenarios(d, all, files)
}

// activateScenarios activates all at once, then loads the files among them
// into d so the control plane and the header can name them.
func activateScenarios(d *scripted.Director, all, files []*scenarios.Scenario) error {
	if err := d.Activate(all...); err != nil {
		return err
	}
	for _, s := range files {
		if err := d.Load(s); err != nil {
			return err // validated by Activate: cannot happen
		}
	}
	return nil
}

// preReadScenarios reads the --scenario arguments of a start, before the
// Director exists (no scenario is loaded yet, so a name is a built-in one):
// ok is false at the first problem, which loadScenarios then reports.
func preReadScenarios(args []string) (all, files []*scenarios.Scenario, ok bool) {
	for _, arg := range args {
		if !isScenarioFile(arg) {
			s, err := scenarios.Builtin(arg)
			if err != nil {
				return nil, nil, false
			}
			all = append(all, s)
			continue
		}
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, nil, false
		}
		s, err := scenarios.Parse(arg, data)
		if err != nil {
			return nil, nil, false
		}
		all, files = append(all, s), append(files, s)
	}
	return all, files, true
}

func scenarioFiles(args []string) []string {
	var files []string
	for _, a := range args {
		if isScenarioFile(a) {
			files = append(files, a)
		}
	}
	return files
}

// watchInterval is how often --watch looks at the files.
var watchInterval = 500 * time.Millisecond

type fileStamp struct {
	mod  time.Time
	size int64
}

func stamps(files []string) map[string]fileStamp {
	m := make(map[string]fileStamp, len(files))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			m[f] = fileStamp{fi.ModTime(), fi.Size()}
		}
	}
	return m
}

// watchScenarios polls the --scenario files' modification time and size
// and, when one has changed, reloads every argument and activates them at
// once.
// A bad edit is logged and the scenarios that were active stay active.
func watchScenarios(ctx context.Context, args []string, last map[string]fileStamp, d *scripted.Director, logger *slog.Logger) {
	files := scenarioFiles(args)
	if len(files) == 0 {
		logger.Warn("--watch: no --scenario file to watch")
		return
	}
	seen := last
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Reload once a change has held still for one interval: an editor
		// writing a file is not read half-way.
		now := stamps(files)
		stable := maps.Equal(now, seen)
		seen = now
		if !stable || maps.Equal(now, last) {
			continue
		}
		last = now
		if err := loadScenarios(args, d); err != nil {
			logger.Error("--watch: scenario files not reloaded, the active scenarios are unchanged", slog.String("errors", err.Error()))
			continue
		}
		logger.Info("--watch: scenario files reloaded", slog.String("active", strings.Join(d.Active(), ",")))
	}
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
