package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// Timeouts of every connection: a lost Redis answers an error within about
// a second instead of hanging a request.
const (
	DialTimeout  = time.Second
	ReadTimeout  = 500 * time.Millisecond
	WriteTimeout = 500 * time.Millisecond
)

// DefaultPrefix namespaces the keys of a fake (serve's --store-prefix).
const DefaultPrefix = "phlomock:"

// ErrBadURL is wrapped by the errors of a store URL Open cannot read.
var ErrBadURL = errors.New("bad store URL")

// A Store is an open connection to the Redis server of a store URL.
type Store struct {
	client   *redis.Client
	prefix   string
	redacted string

	calls    *CallStore
	counters *CounterStore
	state    *StateStore
	// gen is the store's generation (generation.go), shared with the
	// stores of its sessions; root is false for those.
	gen  *generation
	root bool
}

// Open parses rawURL (redis://[user:password@]host:port/db, or rediss://
// for TLS), connects and pings the server, within ctx and DialTimeout. An
// error names the store without its password.
func Open(ctx context.Context, rawURL, prefix string) (*Store, error) {
	redacted := Redact(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "redis" && u.Scheme != "rediss" || u.Host == "" {
		return nil, fmt.Errorf("store %s: %w: want redis://[user:password@]host:port/db or rediss://... for TLS", redacted, ErrBadURL)
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis quotes parts of the URL: say only what is wrong.
		return nil, fmt.Errorf("store %s: %w: %s", redacted, ErrBadURL, scrub(err.Error(), u))
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = DialTimeout, ReadTimeout, WriteTimeout
	opts.MaxRetries = 1
	// One dial attempt per connection (go-redis makes 5, 100 ms apart):
	// a lost Redis fails a request at once, and no dial begun while it
	// was down is still failing, and counted, once it is back.
	opts.DialerRetries = 1
	// CLIENT SETINFO names the library to the server on every new
	// connection: a round trip per connection, refused by Redis before
	// 7.2 (an error for every connection in the store's metrics).
	opts.DisableIdentity = true
	s := &Store{client: redis.NewClient(opts), prefix: prefix, redacted: redacted, gen: newGeneration(prefix, redacted), root: true}
	s.calls, s.counters, s.state = NewCallStore(s, multiparty.Options{}), NewCounterStore(s), NewStateStore(s)
	if err := s.Ping(ctx); err != nil {
		_ = s.client.Close()
		return nil, err
	}
	jctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := s.gen.join(jctx, s.client); err != nil {
		_ = s.client.Close()
		return nil, s.fail(err)
	}
	return s, nil
}

// Ping checks the server answers, within DialTimeout. It reads the
// generation too, so that a store that lost its state is noticed (and
// logged) within a readiness interval even when no request reads it; a
// lost state is not a Ping error: the store answers, and a reset through
// it recovers (see Lost).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store %s: %w", s.redacted, err)
	}
	if s.genKnown() != "" { // not at Open, before join
		_ = s.checkGen(ctx, s.client.Get(ctx, s.gen.key))
	}
	return nil
}

// Client is the connection, shared by the Redis implementations of the
// fake's state.
func (s *Store) Client() *redis.Client { return s.client }

// Prefix starts every key of this fake.
func (s *Store) Prefix() string { return s.prefix }

// String is the store's URL without its password.
func (s *Store) String() string { return s.redacted }

// Close closes the connection.
func (s *Store) Close() error { return s.client.Close() }

// Redact returns rawURL with its password replaced by "xxxxx", for logs
// and errors; a URL it cannot parse is "(unparsable store URL)", since it
// may hold a password anywhere.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable store URL)"
	}
	return u.Redacted()
}

func scrub(msg string, u *url.URL) string {
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
	}
	return msg
}
