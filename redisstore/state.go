package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// PollInterval is how often a StateStore's Watch reads the version, beside
// the change messages: it bounds how late a replica takes up a change
// whose message it missed (connection lost, Redis restarted).
const PollInterval = 250 * time.Millisecond

// A StateStore keeps the fake's shared scenarios (director.SharedState):
// PREFIX "state" holds them (the Director's JSON, every scenario
// by its source), PREFIX "version" the id of the change that made them,
// and each change is announced on the channel PREFIX "changes". A change
// is one script, so one round trip; a request costs nothing, since every
// replica answers from its own compiled copy.
type StateStore struct {
	s                     *Store
	state, version, topic string
}

// NewStateStore returns the shared scenarios of s.
func NewStateStore(s *Store) *StateStore {
	return &StateStore{s: s, state: s.prefix + "state", version: s.prefix + "version", topic: s.prefix + "changes"}
}

// publishScript writes the state and its version if the version is still
// the one the change was made on, and announces it: 1, or 0 if another
// replica published first (nothing written).
// KEYS: state, version, generation. ARGV: 1 base version ("" none),
// 2 version, 3 state, 4 channel, 5 the generation known (lostReply when
// it is not the store's).
var publishScript = newScript(`
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[5] then return -100 end
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1
`)

// Publish implements director.SharedState: compare, write and announce in
// one script, so two replicas changing the scenarios at once cannot lose
// either change (the second makes it again on the first's).
func (t *StateStore) Publish(ctx context.Context, base, version string, state []byte) (bool, error) {
	for range 2 { // once more after taking up another replica's reset
		n, err := publishScript.Run(ctx, t.s.client, []string{t.state, t.version, t.s.gen.key}, base, version, state, t.topic, t.s.genKnown()).Int()
		if err != nil {
			return false, t.s.fail(err)
		}
		if n != lostReply {
			return n == 1, nil
		}
		if err := t.s.afterLostReply(ctx); err != nil {
			return false, err
		}
	}
	return false, nil // as if another replica had published first: the caller reads again
}

// Load implements director.SharedState: one MGET, and the generation
// (a store that lost its state answers a *LostError).
func (t *StateStore) Load(ctx context.Context) ([]byte, string, error) {
	var get *redis.SliceCmd
	var gen *redis.StringCmd
	_, err := t.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.MGet(ctx, t.state, t.version)
		gen = t.s.readGen(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, "", t.s.fail(err)
	}
	if err := t.s.checkGen(ctx, gen); err != nil {
		return nil, "", err
	}
	vals := get.Val()
	state, _ := vals[0].(string)
	version, _ := vals[1].(string)
	if state == "" || version == "" {
		return nil, "", nil
	}
	return []byte(state), version, nil
}

// Watch implements director.SharedState: the versions announced on the
// channel, at once, and every PollInterval the version read (a GET, with
// the generation), so a missed message is made up for; while Redis does
// not answer, or has lost the state (until a reset), nothing.
func (t *StateStore) Watch(ctx context.Context, changed func(version string)) {
	sub := t.s.client.Subscribe(ctx, t.topic)
	defer sub.Close()
	msgs := sub.Channel()
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			changed(m.Payload)
		case <-tick.C:
			var get, gen *redis.StringCmd
			_, err := t.s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
				get = p.Get(ctx, t.version)
				gen = t.s.readGen(ctx, p)
				return nil
			})
			if err != nil && !errors.Is(err, redis.Nil) || t.s.checkGen(ctx, gen) != nil {
				continue
			}
			v, err := get.Result()
			switch {
			case errors.Is(err, redis.Nil):
				changed("")
			case err == nil:
				changed(v)
			}
		}
	}
}
