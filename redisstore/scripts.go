package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// The scripts of the calls (calls.go). A scope's keys start with its prefix
// sp: sp.."c:"..id is a call's state (hash: v version, s Snapshot JSON),
// sp.."l:"..id its log (list of multiparty.Applied JSON), sp.."keys" the ids of its
// calls with a key, sp.."made" those begun by an action (not seeded: the
// ones counted against MaxCalls), sp.."idle" those of made nobody is on
// (sorted set, scored by sp.."clock" at their last action: the least
// recently used first). The scripts build the keys of other calls from sp,
// so they need one Redis, not a cluster.

// casScript writes a transition computed in Go if the call's version is
// still the one read: 1 written (or this very write was already), 0 the
// version changed (read again), -1 a new call over MaxCalls with nobody
// idle to forget, -2 too late (past the deadline, in Redis's clock).
//
// KEYS: state, log, keys, made, idle, clock, scopes.
// ARGV: 1 version read ("" none), 2 new version, 3 state, 4 log entry,
// 5 log size, 6 id, 7 seeded "1", 8 idle after "1", 9 max calls, 10 batch,
// 11 TTL seconds, 12 sp, 13 scope, 14 deadline (Unix microseconds),
// 15 the generation known.
var casScript = newScript(`
if (redis.call('GET', KEYS[8]) or '') ~= ARGV[15] then return -100 end
local v = redis.call('HGET', KEYS[1], 'v') or ''
if v == ARGV[2] then return 1 end
if v ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) > tonumber(ARGV[14]) then return -2 end
local id, sp = ARGV[6], ARGV[12]
local function forget(m)
  redis.call('DEL', sp .. 'c:' .. m, sp .. 'l:' .. m)
  redis.call('SREM', KEYS[3], m)
  redis.call('SREM', KEYS[4], m)
  redis.call('ZREM', KEYS[5], m)
end
if ARGV[7] ~= '1' and redis.call('SISMEMBER', KEYS[4], id) == 0 then
  local max = tonumber(ARGV[9])
  if max > 0 and redis.call('SCARD', KEYS[4]) >= max then
    local old = redis.call('ZRANGE', KEYS[5], 0, tonumber(ARGV[10]) - 1)
    if #old == 0 then
      -- calls whose TTL ran out still count until dropped here
      for _, m in ipairs(redis.call('SMEMBERS', KEYS[4])) do
        if redis.call('EXISTS', sp .. 'c:' .. m) == 0 then forget(m) end
      end
      if redis.call('SCARD', KEYS[4]) >= max then return -1 end
    end
    for _, m in ipairs(old) do forget(m) end
  end
  redis.call('SADD', KEYS[4], id)
end
local now = redis.call('INCR', KEYS[6])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
local n = tonumber(ARGV[5])
if n > 0 then
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], -n, -1)
end
if ARGV[7] ~= '1' then
  if ARGV[8] == '1' then redis.call('ZADD', KEYS[5], now, id) else redis.call('ZREM', KEYS[5], id) end
end
redis.call('SADD', KEYS[3], id)
redis.call('SADD', KEYS[7], ARGV[13])
local ttl = tonumber(ARGV[11])
for i = 1, 7 do redis.call('EXPIRE', KEYS[i], ttl) end
return 1
`)

// resetScript forgets every call of one scope.
// KEYS: keys, made, idle, scopes. ARGV: 1 sp, 2 scope.
var resetScript = newScript(`
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. 'c:' .. m, ARGV[1] .. 'l:' .. m)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[2])
return 1
`)

// resetAllScript forgets every call of every scope.
// KEYS: scopes. ARGV: 1 the prefix of the scopes' prefixes.
var resetAllScript = newScript(`
for _, s in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local sp = ARGV[1] .. s .. ':'
  for _, m in ipairs(redis.call('SMEMBERS', sp .. 'keys')) do
    redis.call('DEL', sp .. 'c:' .. m, sp .. 'l:' .. m)
  end
  redis.call('DEL', sp .. 'keys', sp .. 'made', sp .. 'idle')
end
redis.call('DEL', KEYS[1])
return 1
`)

// addScript writes a batch of journal entries, numbered after the last
// number given (or the stream's last ID, should the counter be gone), with
// an exact MAXLEN (one XTRIM after the batch, cheaper than one per XADD, and
// the same to readers: Lua runs the script whole); a batch this replica already wrote (its number is not
// above the last one's: the client retried a write that had landed) is not
// written again. Lua runs it whole: a reader never sees a number before
// the entries under it.
//
// KEYS: stream, seq, batch. ARGV: 1 MAXLEN, 2 batch number, 3 TTL seconds,
// 4 entries n, 5.. the entries' JSON.
var addScript = newScript(`
local b = tonumber(redis.call('GET', KEYS[3]) or '0')
if b >= tonumber(ARGV[2]) then return 0 end
local n = tonumber(ARGV[4])
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then
  local t = tonumber(string.match(top[1][1], '^(%d+)'))
  if t > seq then seq = t end
end
for i = 1, n do
  redis.call('XADD', KEYS[1], string.format('%d-0', seq + i), 'e', ARGV[4 + i])
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[1])
local ttl = tonumber(ARGV[3])
redis.call('SET', KEYS[2], string.format('%d', seq + n), 'EX', ttl)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('SET', KEYS[3], ARGV[2], 'EX', 3600)
return 1
`)

// A script is a redis.Script made on its first use: redis.NewScript hashes
// its source, and thirteen of them made when the package was initialised
// were work in every start of the binary, a memory store's too (issue 31).
type script struct {
	src  string
	once sync.Once
	s    *redis.Script
}

func newScript(src string) *script { return &script{src: src} }

func (s *script) get() *redis.Script {
	s.once.Do(func() { s.s = redis.NewScript(s.src) })
	return s.s
}

// Run is redis.Script.Run: EVALSHA, and EVAL when Redis does not have it.
func (s *script) Run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	return s.get().Run(ctx, c, keys, args...)
}

// Eval is redis.Script.Eval.
func (s *script) Eval(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	return s.get().Eval(ctx, c, keys, args...)
}
