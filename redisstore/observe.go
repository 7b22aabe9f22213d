package redisstore

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// An Observer is told of every round trip to Redis: the command's name in
// lower case ("ping", "evalsha", "xadd"; "pipeline" for a pipeline or a
// MULTI/EXEC transaction, sent as one), how long it took and its error. A
// missing key (redis.Nil) is an answer, not an error: err is nil; so is
// NOSCRIPT (see answered). A new connection's handshake (HELLO, AUTH) is
// observed too: it is a round trip like any other. It runs
// on the caller's goroutine and must be quick and safe for concurrent use
// (package mockserver/metrics counts and times, nothing more).
type Observer = func(command string, took time.Duration, err error)

// Observe has o told of every command and pipeline the store's client sends
// from now on. It is a go-redis hook on the shared client, so the Redis
// implementations of the fake's state (Client) are observed without any
// code of their own: nothing to call per command. Safe to call while the
// store is in use; call it once.
func (s *Store) Observe(o Observer) { s.client.AddHook(observeHook{o}) }

type observeHook struct{ o Observer }

func (h observeHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h observeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.o(strings.ToLower(cmd.Name()), time.Since(start), answered(err))
		return err
	}
}

func (h observeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.o("pipeline", time.Since(start), answered(err))
		return err
	}
}

// answered is err, but nil for an answer that is not a failure: redis.Nil
// (no such key), and NOSCRIPT, which a Lua script's first EVALSHA on a
// server that has not cached it yet gets before go-redis sends EVAL.
func answered(err error) error {
	if errors.Is(err, redis.Nil) || redis.HasErrorPrefix(err, "NOSCRIPT") {
		return nil
	}
	return err
}
