package redisstore

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// The bounds of one call operation on Redis.
const (
	// CallTTL: a call nobody acted on for this long is forgotten, whatever
	// its state, so the keys of a fake that went away do not stay in a
	// shared Redis for ever (in memory a call lasts until reset or exit).
	CallTTL = 24 * time.Hour
	// callTimeout bounds Apply, its retries included: well under a client's
	// patience, above two round trips lost and retried once each.
	callTimeout = 2 * time.Second
	// writeBudget: a write that reaches Redis later than this after its
	// read is refused by the script, so that a write whose answer timed out
	// (the client was told 503) cannot take effect later.
	writeBudget = 400 * time.Millisecond
	// maxAttempts bounds the retries of a transition whose call changed
	// between its read and its write (another replica acted first).
	maxAttempts = 64
)

// ErrContended: a call changed under every one of maxAttempts tries of an
// action (the fake answers 503; the action did not happen).
var ErrContended = errors.New("the call changed under every attempt")

// A CallStore keeps the simulated calls of every stateful set of scenarios
// in Redis, for the replicas pointed at the same store and prefix. Each
// call is a hash (its state as an multiparty.Snapshot, and a version) and a list
// (its log); a transition reads the state, runs package multiparty's state
// machine in Go and writes back with a script that compares the version:
// see docs/store.md for why this over WATCH/MULTI or the rules in Lua.
type CallStore struct {
	s    *Store
	opts multiparty.Options
}

// NewCallStore returns the calls of s; opts bound them as in memory (the
// zero value: multiparty.DefaultLogSize, multiparty.DefaultMaxCalls).
func NewCallStore(s *Store, opts multiparty.Options) *CallStore {
	if opts.LogSize == 0 {
		opts.LogSize = multiparty.DefaultLogSize
	}
	if opts.MaxCalls == 0 {
		opts.MaxCalls = multiparty.DefaultMaxCalls
	}
	return &CallStore{s: s, opts: opts}
}

// scopesKey lists the scopes that have calls, for Reset.
func (cs *CallStore) scopesKey() string { return cs.s.prefix + "calls" }

// Calls returns the calls of one set of scenarios. scope names the set
// the same way on every replica (package director names it after the set's
// scenarios and world), so sets never see each other's calls.
func (cs *CallStore) Calls(scope string) multiparty.Calls {
	return &Calls{cs: cs, scope: scope, sp: cs.s.prefix + "calls:" + scope + ":", seeds: map[string]multiparty.Snapshot{}}
}

// Reset forgets the calls of every scope, those other replicas made too.
// It is one script: no replica sees a half-reset store. The fake's own
// store (not a session's) starts a new generation first, as
// CounterStore.Reset does: a reset is how a store that lost its state is
// taken up again (generation.go).
func (cs *CallStore) Reset(ctx context.Context) error {
	if cs.s.root {
		if err := cs.s.gen.renew(ctx, cs.s.client); err != nil {
			return cs.s.fail(err)
		}
	}
	err := resetAllScript.Run(ctx, cs.s.client, []string{cs.scopesKey()}, cs.s.prefix+"calls:").Err()
	return cs.s.fail(err)
}

// Calls are the calls of one scope. They implement multiparty.Calls.
type Calls struct {
	cs    *CallStore
	scope string
	sp    string // the prefix of the scope's keys

	mu    sync.RWMutex
	seeds map[string]multiparty.Snapshot // by callID: a seeded call's start
}

// callID names a call in its scope's keys; escaping keeps "/" out of the
// ids, so no two (PHLO, node) pairs share one.
func callID(phloID, nodeID string) string {
	return url.PathEscape(phloID) + "/" + url.PathEscape(nodeID)
}

func (c *Calls) stateKey(id string) string { return c.sp + "c:" + id }
func (c *Calls) logKey(id string) string   { return c.sp + "l:" + id }

// Seed declares a call's start; it writes nothing (every replica declares
// the same): a call with no key in Redis is at its seeded start.
func (c *Calls) Seed(phloID, nodeID string, members []multiparty.Member) error {
	call, err := multiparty.NewCall(phloID, nodeID, members, multiparty.Options{LogSize: -1})
	if err != nil {
		return fmt.Errorf("phlo %s node %s: %w", phloID, nodeID, err)
	}
	c.mu.Lock()
	c.seeds[callID(phloID, nodeID)] = call.Snapshot()
	c.mu.Unlock()
	return nil
}

func (c *Calls) seed(id string) (multiparty.Snapshot, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.seeds[id]
	return s, ok
}

// start is a call's state before its first action.
func (c *Calls) start(phloID, nodeID, id string) (multiparty.Snapshot, bool) {
	if s, ok := c.seed(id); ok {
		s.Members = slices.Clone(s.Members)
		return s, true
	}
	return multiparty.Snapshot{PhloID: phloID, NodeID: nodeID, Members: []multiparty.Member{}}, false
}

// Apply performs a on the call: two round trips when no other replica acts
// on the call at the same time (read state and version with Redis's clock;
// write if the version is unchanged), and the two again for each time one
// did. A refused action is one round trip and writes nothing.
func (c *Calls) Apply(ctx context.Context, phloID, nodeID string, a multiparty.Action) (multiparty.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	id := callID(phloID, nodeID)
	for attempt := range maxAttempts {
		if attempt > 2 {
			// Many replicas on one call: spread the retries out.
			time.Sleep(time.Duration(rand.Int64N(int64(attempt) * int64(50*time.Microsecond))))
		}
		res, done, err := c.try(ctx, phloID, nodeID, id, a)
		if done || err != nil {
			return res, err
		}
	}
	return multiparty.Result{}, c.cs.s.fail(fmt.Errorf("phlo %s node %s: %w (%d attempts)", phloID, nodeID, ErrContended, maxAttempts))
}

// Try answers as Apply would now, and writes nothing: one round trip.
func (c *Calls) Try(ctx context.Context, phloID, nodeID string, a multiparty.Action) (multiparty.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	id := callID(phloID, nodeID)
	s := c.cs.s
	var get *redis.SliceCmd
	var gen *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, c.stateKey(id), "v", "s")
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return multiparty.Result{}, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return multiparty.Result{}, err
	}
	vals := get.Val()
	snap, _ := c.start(phloID, nodeID, id)
	if _, ok := vals[0].(string); ok {
		raw, _ := vals[1].(string)
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return multiparty.Result{}, s.fail(fmt.Errorf("call %s: unreadable state: %w", id, err))
		}
	}
	return multiparty.Restore(snap).Apply(a)
}

// try is one attempt of Apply: done false when the call changed between
// the read and the write (nothing was written).
func (c *Calls) try(ctx context.Context, phloID, nodeID, id string, a multiparty.Action) (multiparty.Result, bool, error) {
	s := c.cs.s
	var get *redis.SliceCmd
	var clock *redis.TimeCmd
	var gen *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, c.stateKey(id), "v", "s")
		clock = p.Time(ctx)
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return multiparty.Result{}, false, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return multiparty.Result{}, false, err
	}
	known := s.genKnown()
	vals := get.Val()
	snap, seeded := c.start(phloID, nodeID, id)
	version := ""
	if v, ok := vals[0].(string); ok {
		version = v
		raw, _ := vals[1].(string)
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return multiparty.Result{}, false, s.fail(fmt.Errorf("call %s: unreadable state: %w", id, err))
		}
	}
	call := multiparty.Restore(snap)
	res, err := call.Apply(a)
	if err != nil {
		return multiparty.Result{}, true, err // refused: the state read is the answer
	}
	now := call.Snapshot()
	state, err := json.Marshal(now)
	if err != nil {
		return multiparty.Result{}, false, err
	}
	entry, err := json.Marshal(multiparty.Applied{Seq: res.Seq, Action: a})
	if err != nil {
		return multiparty.Result{}, false, err
	}
	limit, batch := c.cs.opts.MaxCalls, 0
	if limit > 0 {
		batch = max(1, limit/16) // as the Registry forgets them
	}
	deadline := clock.Val().Add(writeBudget).UnixMicro()
	keys := []string{c.stateKey(id), c.logKey(id), c.sp + "keys", c.sp + "made", c.sp + "idle", c.sp + "clock", c.cs.scopesKey(), s.gen.key}
	n, err := casScript.Run(ctx, s.client, keys,
		version, newVersion(), state, entry, c.cs.opts.LogSize, id, flag(seeded), flag(now.Idle()),
		limit, batch, int64(CallTTL/time.Second), c.sp, c.scope, deadline, known).Int()
	if err != nil {
		return multiparty.Result{}, false, s.fail(err)
	}
	switch n {
	case lostReply:
		// Lost between the read and the write (or another replica's
		// reset: read again).
		return multiparty.Result{}, false, s.afterLostReply(ctx)
	case 1:
		return res, true, nil
	case -1:
		return multiparty.Result{}, true, multiparty.TooManyCalls(phloID, nodeID, limit)
	case -2:
		return multiparty.Result{}, true, s.fail(fmt.Errorf("phlo %s node %s: the write reached the store more than %v after its read and was not applied", phloID, nodeID, writeBudget))
	}
	return multiparty.Result{}, false, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// newVersion is a write's version: random, so a write delivered twice (a
// client retrying after a timeout) is recognised and applied once, and a
// call reset and begun again never reuses a version a stale read holds.
func newVersion() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Snapshot returns every call of the scope: the seeded ones (at their
// start when no action reached them) and those begun by an action. Two
// round trips: the scope's list of calls, then their states.
func (c *Calls) Snapshot(ctx context.Context) ([]multiparty.Snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s := c.cs.s
	var members *redis.StringSliceCmd
	var gen *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		members = p.SMembers(ctx, c.sp+"keys")
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return nil, err
	}
	ids := members.Val()
	c.mu.RLock()
	for id := range c.seeds {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	c.mu.RUnlock()
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, c.stateKey(id), "s")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.fail(err)
	}
	out := make([]multiparty.Snapshot, 0, len(ids))
	for i, id := range ids {
		raw, err := cmds[i].Result()
		if errors.Is(err, redis.Nil) {
			if snap, ok := c.seed(id); ok {
				snap.Members = slices.Clone(snap.Members)
				out = append(out, snap)
			}
			continue // forgotten (idle, or its TTL) since the list was read
		}
		var snap multiparty.Snapshot
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return nil, s.fail(fmt.Errorf("call %s: unreadable state: %w", id, err))
		}
		out = append(out, snap)
	}
	slices.SortFunc(out, func(a, b multiparty.Snapshot) int {
		return cmp.Or(cmp.Compare(a.PhloID, b.PhloID), cmp.Compare(a.NodeID, b.NodeID))
	})
	return out, nil
}

// History replays the call's log from its start (multiparty.Replay). One round
// trip: the state and the log, read together in a transaction.
func (c *Calls) History(ctx context.Context, phloID, nodeID string) (multiparty.History, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s := c.cs.s
	id := callID(phloID, nodeID)
	var state, gen *redis.StringCmd
	var log *redis.StringSliceCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		state = p.HGet(ctx, c.stateKey(id), "s")
		log = p.LRange(ctx, c.logKey(id), 0, -1)
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return multiparty.History{}, false, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return multiparty.History{}, false, err
	}
	start, seeded := c.start(phloID, nodeID, id)
	raw, err := state.Result()
	if errors.Is(err, redis.Nil) {
		if !seeded {
			return multiparty.History{}, false, nil
		}
		return multiparty.Replay(start.Members, start, nil), true, nil
	}
	var now multiparty.Snapshot
	if err := json.Unmarshal([]byte(raw), &now); err != nil {
		return multiparty.History{}, false, s.fail(fmt.Errorf("call %s: unreadable state: %w", id, err))
	}
	applied := make([]multiparty.Applied, 0, len(log.Val()))
	for _, e := range log.Val() {
		var ap multiparty.Applied
		if err := json.Unmarshal([]byte(e), &ap); err != nil {
			return multiparty.History{}, false, s.fail(fmt.Errorf("call %s: unreadable log: %w", id, err))
		}
		applied = append(applied, ap)
	}
	var initial []multiparty.Member
	if seeded {
		initial = start.Members
	}
	return multiparty.Replay(initial, now, applied), true, nil
}

// Reset brings the scope's calls back to their seeded start (no key) and
// forgets the others, in one script.
func (c *Calls) Reset(ctx context.Context) error {
	keys := []string{c.sp + "keys", c.sp + "made", c.sp + "idle", c.cs.scopesKey()}
	return c.cs.s.fail(resetScript.Run(ctx, c.cs.s.client, keys, c.sp, c.scope).Err())
}

// fail names the store in err (nil stays nil).
func (s *Store) fail(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store %s: %w", s.redacted, err)
}
