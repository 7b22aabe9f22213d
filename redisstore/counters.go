package redisstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/scenarios"
)

// The bounds of the rules' counters in Redis.
const (
	// CounterTTL: the counts of a set nobody hit for this long are
	// forgotten, so a fake that went away leaves nothing in a shared Redis
	// for ever (in memory they last until reset or exit).
	CounterTTL = 24 * time.Hour
	// hitTimeout bounds one hit, go-redis's one retry included.
	hitTimeout = time.Second
	// onceFor is how long a hit's answer is kept under its token, so that
	// go-redis's retry of a hit whose answer timed out counts it once.
	onceFor = 5 * time.Second
)

// The counters' keys, after the prefix: "hits:epoch" is the epoch (a
// number, none is 0) and "hits:EPOCH:SCOPE" a hash of the hits of one set
// of scenarios in that epoch, by rule. Reset starts a new epoch, so one
// INCR resets every set of every replica; the old epoch's hashes expire.
// "hits:once:TOKEN" is the answer of one hit (see onceFor).
//
// hitScript counts one hit: the rule's hits, this one included.
// KEYS: epoch, once, generation. ARGV: 1 the prefix of the hashes, 2
// scope, 3 rule, 4 TTL seconds, 5 once milliseconds, 6 the generation
// known (lostReply when it is not the store's: generation.go).
var hitScript = newScript(`
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[6] then return -100 end
local done = redis.call('GET', KEYS[2])
if done then return tonumber(done) end
local k = ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2]
local n = redis.call('HINCRBY', k, ARGV[3], 1)
redis.call('EXPIRE', k, ARGV[4])
redis.call('SET', KEYS[2], n, 'PX', ARGV[5])
return n
`)

// clearScript forgets the hits of one scope in the current epoch.
// KEYS: epoch. ARGV: 1 the prefix of the hashes, 2 scope.
var clearScript = newScript(`
return redis.call('DEL', ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2])
`)

// A CounterStore keeps the hits of the rules that count (times, sequences:
// scenarios.Counter) in Redis, for the replicas pointed at the same store
// and prefix: `times: 2` is two answers from all of them together. A hit is
// one script, one round trip.
type CounterStore struct{ s *Store }

// NewCounterStore returns the rules' counters of s.
func NewCounterStore(s *Store) *CounterStore { return &CounterStore{s: s} }

func (cs *CounterStore) epochKey() string   { return cs.s.prefix + "hits:epoch" }
func (cs *CounterStore) hashPrefix() string { return cs.s.prefix + "hits:" }

// Counter returns the counter of one set of scenarios. scope names the set
// the same way on every replica (package director names it after the set's
// kind and a digest of its scenarios), so sets never share counts and
// replicas of one set always do.
func (cs *CounterStore) Counter(scope string) scenarios.Counter {
	return &Counter{cs: cs, scope: scope}
}

// Clear starts the counts of one scope from zero, for every replica (an
// activation of its set): one round trip.
func (cs *CounterStore) Clear(ctx context.Context, scope string) error {
	ctx, cancel := context.WithTimeout(ctx, hitTimeout)
	defer cancel()
	err := clearScript.Run(ctx, cs.s.client, []string{cs.epochKey()}, cs.hashPrefix(), scope).Err()
	return cs.s.fail(err)
}

// Reset starts the counts of every scope from zero, for every replica: one
// INCR of the epoch. The fake's own store (not a session's) starts a new
// generation first: a reset is how a store that lost its state is taken
// up again (generation.go).
func (cs *CounterStore) Reset(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, hitTimeout)
	defer cancel()
	if cs.s.root {
		if err := cs.s.gen.renew(ctx, cs.s.client); err != nil {
			return cs.s.fail(err)
		}
	}
	return cs.s.fail(cs.s.client.Incr(ctx, cs.epochKey()).Err())
}

// A Counter is the counter of one scope. It implements scenarios.Counter.
type Counter struct {
	cs    *CounterStore
	scope string
}

// Hit counts one hit of rule and returns its hits in the current epoch,
// this one included: one round trip. Each hit carries a random token, so a
// hit go-redis sends twice (its retry after a timeout) counts once.
func (c *Counter) Hit(ctx context.Context, rule int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, hitTimeout)
	defer cancel()
	s := c.cs.s
	once := c.cs.hashPrefix() + "once:" + strconv.FormatUint(rand.Uint64(), 36)
	for range 2 { // once more after taking up another replica's reset
		n, err := hitScript.Run(ctx, s.client, []string{c.cs.epochKey(), once, s.gen.key},
			c.cs.hashPrefix(), c.scope, rule, int64(CounterTTL/time.Second), int64(onceFor/time.Millisecond), s.genKnown()).Int64()
		if err != nil || n != lostReply {
			return n, s.fail(err)
		}
		if err := s.afterLostReply(ctx); err != nil {
			return 0, err
		}
	}
	return 0, s.fail(errors.New("the store's generation changed under the hit: try again"))
}
