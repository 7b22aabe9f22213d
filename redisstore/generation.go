package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver"
)

// Store data loss. Redis without persistence loses everything on a
// restart, and FLUSHALL, FLUSHDB or an eviction lose it while it runs: a
// replica reading the calls, counts, scenarios or sessions would then
// answer from their start, a call in progress rewound to its seed (hold
// 201, then unhold 400 "member is not on hold"). So the store has a
// generation: PREFIX "generation" names the state the replicas share, and
// every read of that state reads it too, in the same round trip (a
// pipeline or the script itself), and compares it with the generation this
// process knows:
//
//   - "s:ID" is written when a replica opens a store that has none (the
//     first start); a replica opening a store that has one joins it.
//   - "r:ID" is written by a reset (ResetCounts, the first step of
//     POST /__admin/reset): an explicit start over, which every replica
//     takes up whatever generation it knew.
//   - "lost" is written by the first replica that finds the generation it
//     knew gone or replaced by a start's: the state was lost, and every
//     replica, one started since included, answers 503 until a reset.
//
// A generation this process made and replaced itself is a read that raced
// its own reset: not a loss. See docs/store.md.
const (
	genStart    = "s:"
	genReset    = "r:"
	genLost     = "lost"
	whatWasLost = "the calls in progress, the rules' counts, the shared scenarios, the sessions and the journal"
)

// A LostError is the answer of every read of the shared state once the
// store lost it: it names the store, what was lost and how to start over.
// It wraps mockserver.ErrStateLost.
type LostError struct {
	Store string
	Since time.Time
}

func (e *LostError) Error() string {
	return fmt.Sprintf("store %s lost its state (%s) at %s: answers would start from a rewound state; POST /__admin/reset on any replica starts over",
		e.Store, whatWasLost, e.Since.UTC().Format(time.RFC3339))
}

func (e *LostError) Unwrap() error { return mockserver.ErrStateLost }

// generation is what a Store (and the stores of its sessions) knows of
// the store's generation.
type generation struct {
	key      string
	redacted string
	known    atomic.Pointer[string]    // the generation this process answers from
	lost     atomic.Pointer[LostError] // set from a loss until a reset's generation
	mu       sync.Mutex                // serialises the slow path
	past     map[string]bool           // generations this process replaced (bounded by its resets)
	logger   atomic.Pointer[slog.Logger]
}

func newGeneration(prefix, redacted string) *generation {
	g := &generation{key: prefix + "generation", redacted: redacted, past: map[string]bool{}}
	empty := ""
	g.known.Store(&empty)
	g.logger.Store(slog.New(slog.DiscardHandler))
	return g
}

// SetLogger makes the Store log a loss of its state (once per loss) and a
// reset that ends one. Nil: no logs.
func (s *Store) SetLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	s.gen.logger.Store(l)
}

// Lost is the loss this process answers 503 for, nil when the state is
// the one it knows.
func (s *Store) Lost() *LostError { return s.gen.lost.Load() }

// joinScript: the store's generation, made when it has none (the first
// start). KEYS: generation. ARGV: 1 a new start generation.
var joinScript = newScript(`
local g = redis.call('GET', KEYS[1])
if g then return g end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)

// join reads or makes the generation at Open.
func (g *generation) join(ctx context.Context, c *redis.Client) error {
	v, err := joinScript.Run(ctx, c, []string{g.key}, genStart+newVersion()).Text()
	if err != nil {
		return err
	}
	g.known.Store(&v)
	if v == genLost {
		g.markLost(ctx, c, v)
	}
	return nil
}

// check compares v, the generation read with the state (present false: no
// key), with the one this process knows: nil, or a *LostError.
func (g *generation) check(ctx context.Context, c *redis.Client, v string, present bool) error {
	if l := g.lost.Load(); l == nil && present && v == *g.known.Load() {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	known := *g.known.Load()
	switch {
	case present && g.past[v]:
		// Read before this process's own reset: as if it had come first.
		if l := g.lost.Load(); l != nil {
			return l
		}
		return nil
	case present && v == known:
		if l := g.lost.Load(); l != nil {
			return l
		}
		return nil
	case present && strings.HasPrefix(v, genReset):
		g.past[known] = true
		g.known.Store(&v)
		if g.lost.Swap(nil) != nil {
			g.logger.Load().Warn("store state started over by a reset: answering again", slog.String("store", g.redacted))
		}
		return nil
	}
	if !present {
		v = ""
	}
	return g.markLost(ctx, c, v)
}

// loseScript writes the lost mark if the generation is still the one read
// ("" none), so that every replica, one started since included, sees the
// loss; a reset written meanwhile stays. KEYS: generation. ARGV: 1 read.
var loseScript = newScript(`
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'lost')
return 1
`)

// markLost records the loss (g.mu held, or at Open), logs it once and
// writes the mark.
func (g *generation) markLost(ctx context.Context, c *redis.Client, read string) error {
	l := g.lost.Load()
	if l == nil {
		l = &LostError{Store: g.redacted, Since: time.Now()}
		g.lost.Store(l)
		g.logger.Load().Error("store lost its state: answering 503 until a reset (POST /__admin/reset)",
			slog.String("store", g.redacted), slog.String("lost", whatWasLost), slog.String("generation_read", orNone(read)))
	}
	if read != genLost {
		_ = loseScript.Run(ctx, c, []string{g.key}, read).Err() // best effort: the next read marks it again
	}
	return l
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// renewScript starts a new generation (a reset): the previous one.
// KEYS: generation. ARGV: 1 the new one.
var renewScript = newScript(`
local old = redis.call('GET', KEYS[1]) or ''
redis.call('SET', KEYS[1], ARGV[1])
return old
`)

// renew starts a new generation, the reset's, which ends a loss.
func (g *generation) renew(ctx context.Context, c *redis.Client) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	next := genReset + newVersion()
	old, err := renewScript.Run(ctx, c, []string{g.key}, next).Text()
	if err != nil {
		return err
	}
	g.past[*g.known.Load()] = true
	if old != "" && old != genLost {
		g.past[old] = true
	}
	g.known.Store(&next)
	if g.lost.Swap(nil) != nil {
		g.logger.Load().Warn("store state started over by a reset: answering again", slog.String("store", g.redacted))
	}
	return nil
}

// readGen queues the read of the generation in p, for checkGen.
func (s *Store) readGen(ctx context.Context, p redis.Pipeliner) *redis.StringCmd {
	return p.Get(ctx, s.gen.key)
}

// checkGen checks the generation cmd read (readGen): nil, a *LostError,
// or the error of the read.
func (s *Store) checkGen(ctx context.Context, cmd *redis.StringCmd) error {
	v, err := cmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
		return s.gen.check(ctx, s.client, "", false)
	case err != nil:
		return s.fail(err)
	}
	return s.gen.check(ctx, s.client, v, true)
}

// genKnown is the generation this process knows, for a script that
// checks it itself: such a script answers lostReply when the store's
// differs, and afterLostReply tells a loss from another replica's reset.
func (s *Store) genKnown() string { return *s.gen.known.Load() }

const lostReply = -100

// afterLostReply reads the generation again: a *LostError, or nil when a
// reset's generation was taken up (the script may run again).
func (s *Store) afterLostReply(ctx context.Context) error {
	return s.checkGen(ctx, s.client.Get(ctx, s.gen.key))
}
