package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// The sessions every replica shares (package director's SessionStore):
// PREFIX "sessions" is a sorted set of the live sessions' ids scored by
// when each expires (Unix milliseconds), PREFIX "session:ID" the session's
// record (its account and TTL, as the director encodes it) with the TTL as
// its expiry, PREFIX "session:ID:ended" why an ended one ended (an hour).
// A session's own state (scenarios, counts, calls, journal) is under
// PREFIX "s:ID:" (Session), and is deleted with it.

// endedTTL is how long the reason a session ended is kept.
const endedTTL = time.Hour

func (s *Store) sessionsKey() string             { return s.prefix + "sessions" }
func (s *Store) sessionKey(id string) string     { return s.prefix + "session:" + id }
func (s *Store) sessionEnded(id string) string   { return s.prefix + "session:" + id + ":ended" }
func (s *Store) sessionPrefix(id string) string  { return s.prefix + "s:" + id + ":" }
func (s *Store) sessionVersion(id string) string { return s.sessionPrefix(id) + "version" }

// createSessionScript adds a session unless max are live: the live count
// before it, or -1 when full, or lostReply. KEYS: sessions, record,
// generation. ARGV: 1 now (ms), 2 expiry (ms), 3 ttl (ms), 4 record, 5 max
// (negative: none), 6 id, 7 the generation known.
var createSessionScript = newScript(`
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[7] then return -100 end
local n = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
local max = tonumber(ARGV[5])
if max >= 0 and n >= max then return -1 end
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
return n
`)

// reapScript takes the ids of the sessions past their expiry out of the
// set and returns them, so one replica deletes their state. KEYS: sessions.
// ARGV: 1 now (ms).
var reapScript = newScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #ids > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) end
return ids
`)

// CreateSession records a session for every replica unless max are live
// (negative: no bound): the number live before it, and false when full.
func (s *Store) CreateSession(ctx context.Context, id string, record []byte, ttl time.Duration, max int) (int, bool, error) {
	now := time.Now()
	n, err := createSessionScript.Run(ctx, s.client, []string{s.sessionsKey(), s.sessionKey(id), s.gen.key},
		now.UnixMilli(), now.Add(ttl).UnixMilli(), ttl.Milliseconds(), record, max, id, s.genKnown()).Int()
	if err != nil {
		return 0, false, s.fail(err)
	}
	if n == lostReply {
		if err := s.afterLostReply(ctx); err != nil {
			return 0, false, err
		}
		return s.CreateSession(ctx, id, record, ttl, max) // another replica's reset, taken up
	}
	if n < 0 {
		live, err := s.client.ZCount(ctx, s.sessionsKey(), "("+strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
		if err != nil {
			return 0, false, s.fail(err)
		}
		return int(live), false, nil
	}
	return n, true, nil
}

// LoadSession returns a live session's record; else, for one that ended
// within the hour, why.
func (s *Store) LoadSession(ctx context.Context, id string) (record []byte, ended string, err error) {
	var get *redis.SliceCmd
	var gen *redis.StringCmd
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.MGet(ctx, s.sessionKey(id), s.sessionEnded(id))
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return nil, "", err
	}
	vals := get.Val()
	if rec, ok := vals[0].(string); ok {
		return []byte(rec), "", nil
	}
	why, _ := vals[1].(string)
	return nil, why, nil
}

// DeleteSession ends a session for every replica: its record, and its
// state, are deleted; why is kept for an hour.
func (s *Store) DeleteSession(ctx context.Context, id, why string) error {
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.sessionKey(id))
		p.ZRem(ctx, s.sessionsKey(), id)
		p.Set(ctx, s.sessionEnded(id), why, endedTTL)
		return nil
	})
	if err != nil {
		return s.fail(err)
	}
	return s.dropSessionState(ctx, id)
}

// dropSessionState deletes the keys under a session's prefix.
func (s *Store) dropSessionState(ctx context.Context, id string) error {
	iter := s.client.Scan(ctx, 0, s.sessionPrefix(id)+"*", 256).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return s.fail(err)
	}
	if len(keys) == 0 {
		return nil
	}
	return s.fail(s.client.Unlink(ctx, keys...).Err())
}

// ListSessions returns the records of the live sessions.
func (s *Store) ListSessions(ctx context.Context) ([][]byte, error) {
	var live *redis.StringSliceCmd
	var gen *redis.StringCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		live = p.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.sessionsKey(), ByScore: true, Start: "(" + strconv.FormatInt(time.Now().UnixMilli(), 10), Stop: "+inf"})
		gen = s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		return nil, err
	}
	ids := live.Val()
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.sessionKey(id)
	}
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, s.fail(err)
	}
	var out [][]byte
	for _, v := range vals {
		if rec, ok := v.(string); ok {
			out = append(out, []byte(rec))
		}
	}
	return out, nil
}

// SyncSessions is a replica's periodic round trip for the sessions it
// serves: the TTL of each one used since the last (ttls[i] > 0) starts
// again, and for each it answers whether it is still live and the version
// of its shared scenarios. Sessions past their expiry are reaped on the
// way: their state deleted, by the one replica whose sync took them.
func (s *Store) SyncSessions(ctx context.Context, ids []string, ttls []time.Duration) (alive []bool, versions []string, err error) {
	now := time.Now()
	var exists []*redis.IntCmd
	var gets []*redis.StringCmd
	var reaped *redis.Cmd
	var gen *redis.StringCmd
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		gen = s.readGen(ctx, p)
		reaped = reapScript.Eval(ctx, p, []string{s.sessionsKey()}, now.UnixMilli()) // EVAL: a pipeline cannot fall back from EVALSHA
		for i, id := range ids {
			if ttls[i] > 0 {
				p.PExpire(ctx, s.sessionKey(id), ttls[i])
				p.ZAddXX(ctx, s.sessionsKey(), redis.Z{Score: float64(now.Add(ttls[i]).UnixMilli()), Member: id})
			}
			exists = append(exists, p.Exists(ctx, s.sessionKey(id)))
			gets = append(gets, p.Get(ctx, s.sessionVersion(id)))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, s.fail(err)
	}
	if err := s.checkGen(ctx, gen); err != nil {
		// A lost store says nothing of the sessions: none ended.
		return nil, nil, err
	}
	alive, versions = make([]bool, len(ids)), make([]string, len(ids))
	for i := range ids {
		alive[i] = exists[i].Val() == 1
		versions[i] = gets[i].Val()
	}
	if gone, _ := reaped.StringSlice(); len(gone) > 0 {
		for _, id := range gone {
			_ = s.client.Set(ctx, s.sessionEnded(id), "no request for its ttl", endedTTL).Err()
			if err := s.dropSessionState(ctx, id); err != nil {
				return alive, versions, err
			}
		}
	}
	return alive, versions, nil
}

// Session is the store of one session's own state: the same connection,
// its keys under PREFIX "s:ID:", deleted when the session ends.
func (s *Store) Session(id string) *Store {
	c := &Store{client: s.client, prefix: s.sessionPrefix(id), redacted: s.redacted, gen: s.gen}
	c.calls, c.counters, c.state = NewCallStore(c, multiparty.Options{}), NewCounterStore(c), NewStateStore(c)
	return c
}
