package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/lazyre"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
	"github.com/phlomock/phlomock/scenarios"
)

const serveUsage = `usage: phlomock serve [flags]

Serves the fake PHLO runner API: each request is checked against the
contract (the embedded one, or --spec FILE), answered by the active
scenarios (--scenario; default ` + scenarios.Default + `) and kept in the journal. The
control plane (/healthz, /readyz, /__admin/...) listens on --admin-addr, or
on the API's port under --admin-prefix. Each flag can also be set by its
PHLOMOCK_ variable; a flag wins over its variable. serve takes no
arguments: a scenario file is --scenario FILE, an OpenAPI file --spec FILE.
--ids takes --strict-ids: it lists the only PHLOs and nodes that exist.

Examples:
  phlomock serve
  phlomock serve --scenario bad-role --log-level debug
  phlomock serve --scenario my-errors.yaml --watch
  phlomock serve --strict-ids --ids P1/N1,P1/N2
  PHLOMOCK_ADMIN_ADDR= PHLOMOCK_ADMIN_PREFIX=/__admin PHLOMOCK_ADMIN_TOKEN=s3cret phlomock serve

Exit status: 0 after a clean shutdown on SIGINT or SIGTERM; 1 a bad scenario
file (every problem as file:line:column) or a shutdown that timed out; 2 bad
flags, arguments or environment, an unreadable --spec, a port in use.
`

// serveConfig is what the serve flags and PHLOMOCK_ variables set.
type serveConfig struct {
	// noDefaultScenario: a --spec of another API (spec.go), for which the
	// default scenario (a PHLO one) is not activated.
	noDefaultScenario   bool
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
	limits              fake.Limits
	scenarios           envList
	watch               bool
	adminPrefix         string
	adminToken          string
	adminHosts          string
	adminOrigins        string
	store, storePrefix  string
	callbacks           callbackFlags
	sessions            serveSessions
}

// serveSessions bound the sessions (docs/sessions.md).
type serveSessions struct {
	max, journalSize int
	ttl              time.Duration
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
	fs := newFlagSet("serve", stderr, serveUsage)
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
	integer(&c.sessions.max, "max-sessions", "MAX_SESSIONS", director.DefaultMaxSessions, "live sessions (POST /__admin/sessions) at most; 0 disables sessions")
	integer(&c.sessions.journalSize, "session-journal-size", "SESSION_JOURNAL_SIZE", director.DefaultSessionJournalSize, "exchanges kept in each session's journal")
	ttl, err := time.ParseDuration(envDefault("SESSION_TTL", director.DefaultSessionTTL.String()))
	if err != nil {
		errs = append(errs, fmt.Errorf("PHLOMOCK_SESSION_TTL: %w", err))
	}
	fs.DurationVar(&c.sessions.ttl, "session-ttl", ttl, "a session with no request for this long ends (its creator may ask for another, 1s to 24h) (env PHLOMOCK_SESSION_TTL)")
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
	str(&c.adminToken, "admin-token", "ADMIN_TOKEN", "", "bearer token the control plane requires, on --admin-addr and under --admin-prefix (/healthz, /readyz and the dashboard's files stay open)")
	str(&c.adminHosts, "admin-hosts", "ADMIN_HOSTS", "", "more Host names the control plane answers to, comma-separated (a Service's: phlomock.testing.svc); loopback names, IP addresses and the --addr and --admin-addr hosts always are, any other gets 403 (DNS rebinding)")
	str(&c.adminOrigins, "admin-origins", "ADMIN_ORIGINS", "", "more origins whose pages may change the control plane's state, comma-separated (https://phlomock.example); its own origin always may, any other gets 403")
	str(&c.store, "store", "STORE", "memory", "where the fake's state lives: memory, or redis://[user:password@]HOST:PORT/DB (rediss:// for TLS); with redis, /readyz follows the store and replicas share the simulated calls, the rules' counters, the scenarios and the journal (docs/store.md)")
	str(&c.storePrefix, "store-prefix", "STORE_PREFIX", redisstore.DefaultPrefix, "prefix of the fake's keys in a --store redis://..., so several fakes share one Redis")
	if err := registerLimits(fs, &c.limits); err != nil {
		errs = append(errs, err)
	}
	if err := c.callbacks.register(fs); err != nil {
		errs = append(errs, err)
	}
	return fs, c, errors.Join(errs...)
}

// parseServeFlags reads serve's flags and variables and checks them: any
// problem is a misuse of the command line (exit 2).
func parseServeFlags(args []string, stderr io.Writer) (*serveConfig, error) {
	fs, c, envErr := serveFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError(argError(fs, fs.Arg(0), serveArgHint(fs.Arg(0))))
	}
	if envErr != nil {
		return nil, &exitError{code: 2, err: envErr}
	}
	if err := c.check(); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return c, nil
}

// Top-level keys that say what a YAML or JSON file is.
var (
	openAPIKey  = lazyre.New(`(?m)^\s*["']?(openapi|swagger)["']?\s*:`)
	postmanKey  = lazyre.New(`schema\.getpostman\.com|"_postman_id"`)
	scenarioKey = lazyre.New(`(?m)^(rules|interactions|stateful|world)\s*:`)
)

// serveArgHint says which flag an argument to serve was probably meant
// for: a scenario name or file is --scenario, an OpenAPI file --spec, an
// address --addr. Files are told apart by their content, else their
// extension.
func serveArgHint(arg string) string {
	if slices.Contains(scenarios.BuiltinNames(), arg) {
		return "to serve a built-in scenario, use --scenario " + arg
	}
	if isAddr(arg) {
		return "to listen on an address, use --addr " + arg
	}
	if _, err := strconv.ParseUint(arg, 10, 16); err == nil {
		return "to listen on a port, use --addr 127.0.0.1:" + arg
	}
	ext := strings.ToLower(filepath.Ext(arg))
	head := fileHead(arg)
	switch {
	case openAPIKey.Match(head):
		return "to serve an OpenAPI file, use --spec " + arg
	case postmanKey.Match(head):
		return "this is a Postman collection: derive a spec with 'phlomock derive " + arg + " -o spec.yaml', then serve it with --spec spec.yaml"
	case scenarioKey.Match(head), head == nil && (ext == ".yaml" || ext == ".yml"):
		return "to serve a scenario file, use --scenario " + arg
	case ext == ".json":
		return "to serve an OpenAPI file, use --spec " + arg
	case ext == ".yaml" || ext == ".yml":
		return "to serve a scenario file, use --scenario " + arg + " (an OpenAPI file is --spec " + arg + ")"
	}
	return ""
}

// fileHead returns the first 64 KiB of a file, or nil when it cannot be read.
func fileHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, b)
	return b[:n]
}

// isAddr tells HOST:PORT or :PORT, with a numeric port.
func isAddr(arg string) bool {
	_, port, err := net.SplitHostPort(arg)
	if err != nil {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// check refuses values that would make serve do something other than what
// was asked: every problem at once.
func (c *serveConfig) check() error {
	var errs []error
	if _, err := c.fakeConfig(nil); err != nil {
		errs = append(errs, err)
	}
	if err := checkLimits(c.limits); err != nil {
		errs = append(errs, err)
	}
	if err := checkListenAddr("--addr", c.addr); err != nil {
		errs = append(errs, err)
	}
	if c.adminAddr != "" {
		if err := checkListenAddr("--admin-addr", c.adminAddr); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.checkAdminPrefix(); err != nil {
		errs = append(errs, err)
	}
	if err := c.checkStore(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.callbacks.config(nil); err != nil {
		errs = append(errs, err)
	}
	if _, err := newLogger(io.Discard, c.logFormat, c.logLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
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

// fakeConfig is the fake the flags describe: the account, --ids, the
// data plane's options, the control plane and the limits. The scenarios
// and the store are added by build.
func (c *serveConfig) fakeConfig(logger *slog.Logger) (fake.Config, error) {
	if c.authID == "" || c.authToken == "" {
		return fake.Config{}, errors.New("--auth-id and --auth-token must not be empty")
	}
	if c.actionStatus != 200 && c.actionStatus != 201 {
		return fake.Config{}, fmt.Errorf("--action-status %d: want 200 or 201", c.actionStatus)
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
	if c.sessions.max < 0 {
		errs = append(errs, fmt.Errorf("--max-sessions %d: want 0 (no sessions) or more", c.sessions.max))
	}
	if c.sessions.journalSize < 1 {
		errs = append(errs, fmt.Errorf("--session-journal-size %d: want 1 or more exchanges", c.sessions.journalSize))
	}
	if c.sessions.ttl < time.Second || c.sessions.ttl > director.MaxSessionTTL {
		errs = append(errs, fmt.Errorf("--session-ttl %s: want from 1s to %s", c.sessions.ttl, director.MaxSessionTTL))
	}
	if c.journalBodyLimit < -1 || c.journalBodyLimit == 0 {
		errs = append(errs, fmt.Errorf("--journal-body-limit %d: want 1 or more bytes, or -1 for whole bodies", c.journalBodyLimit))
	}
	// Without --strict-ids every id exists and --ids would change nothing:
	// refused rather than silently ignored, or silently made strict.
	if strings.TrimSpace(c.ids) != "" && !c.strictIDs {
		errs = append(errs, errors.New("--ids lists the only PHLOs and nodes that exist, which needs --strict-ids (or PHLOMOCK_STRICT_IDS=true): add it; without it every id exists"))
	}
	if err := errors.Join(errs...); err != nil {
		return fake.Config{}, err
	}
	world, err := parseIDs(c.ids)
	if err != nil {
		return fake.Config{}, err
	}
	sessions := director.SessionOptions{Max: c.sessions.max, TTL: c.sessions.ttl, JournalSize: c.sessions.journalSize}
	if c.sessions.max == 0 {
		sessions.Max = -1 // none can be created
	}
	site, err := c.siteCheck()
	if err != nil {
		return fake.Config{}, err
	}
	var secrets []string
	if c.authToken != mockserver.DefaultAuthToken {
		secrets = []string{c.authToken, base64.StdEncoding.EncodeToString([]byte(c.authID + ":" + c.authToken))}
	}
	return fake.Config{
		Options: mockserver.Options{
			Secrets:           secrets,
			Site:              site,
			StrictIDs:         c.strictIDs,
			ActionStatus:      c.actionStatus,
			MaxBodyBytes:      int64(c.maxBody),
			ValidateResponses: c.validateResponses,
			JournalSize:       c.journalSize,
			JournalBodyLimit:  c.journalBodyLimit,
			Logger:            logger,
		},
		Accounts:        mockserver.StaticAccounts{c.authID: c.authToken},
		World:           world,
		ReadFile:        readInput,
		AdminAddr:       c.adminAddr,
		AdminPrefix:     c.adminPrefix,
		AdminToken:      c.adminToken,
		Limits:          c.limits,
		ShutdownTimeout: c.shutdownTimeout,
		Sessions:        sessions,
	}, nil
}

// siteCheck is what the control plane accepts beyond its own names and
// origin: --admin-hosts and the hosts serve listens on, --admin-origins.
func (c *serveConfig) siteCheck() (mockserver.SiteCheck, error) {
	site := mockserver.SiteCheck{
		HostFlag:   "--admin-hosts (PHLOMOCK_ADMIN_HOSTS)",
		OriginFlag: "--admin-origins (PHLOMOCK_ADMIN_ORIGINS)",
	}
	for _, addr := range []string{c.addr, c.adminAddr} {
		if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
			site.Hosts = append(site.Hosts, host)
		}
	}
	var errs []error
	for _, h := range commaList(c.adminHosts) {
		if strings.ContainsAny(h, "/@ ") {
			errs = append(errs, fmt.Errorf("--admin-hosts %q: want a host name such as phlomock.testing.svc (no scheme, no path)", h))
		}
		site.Hosts = append(site.Hosts, h)
	}
	for _, o := range commaList(c.adminOrigins) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("--admin-origins %q: want an origin such as https://phlomock.example (scheme, host and port, as a browser sends Origin)", o))
			continue
		}
		site.Origins = append(site.Origins, u.Scheme+"://"+u.Host)
	}
	return site, errors.Join(errs...)
}

func commaList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
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
		return nil, notOneOf("--log-level", level, "debug", "info", "warn", "error")
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, notOneOf("--log-format", format, "text", "json")
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

// checkStore refuses a --store that is neither memory nor a Redis URL,
// without repeating a password it may hold.
func (c *serveConfig) checkStore() error {
	if c.store == "memory" {
		return nil
	}
	if !strings.HasPrefix(c.store, "redis://") && !strings.HasPrefix(c.store, "rediss://") {
		return fmt.Errorf("--store %s: want memory or redis://[user:password@]HOST:PORT/DB (rediss:// for TLS)", redisstore.Redact(c.store))
	}
	if c.storePrefix == "" {
		return errors.New("--store-prefix must not be empty: the fake's keys would mix with every other key of the Redis")
	}
	return nil
}
