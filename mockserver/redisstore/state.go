package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// PollInterval is how often a StateStore's Watch reads the version, beside
// the change messages: it bounds how late a replica takes up a change
// whose message it missed (connection lost, Redis restarted).
const PollInterval = 250 * time.Millisecond

// A StateStore keeps the fake's shared scenarios (scripted.SharedState):
// PREFIX "state" holds them (the scripted Director's JSON, every scenario
// by its source), PREFIX "version" counts the changes, and each change is
// announced on the channel PREFIX "changes". A change is one script, so one
// round trip; a request costs nothing, since every replica answers from its
// own compiled copy.
type StateStore struct {
	s                     *Store
	state, version, topic string
}

// NewStateStore returns the shared scenarios of s.
func NewStateStore(s *Store) *StateStore {
	return &StateStore{s: s, state: s.prefix + "state", version: s.prefix + "version", topic: s.prefix + "changes"}
}

// publishScript writes the state if the version is still the one the
// change was made on, counts it and announces it: the new version, or -1
// if another replica published first (nothing written).
// KEYS: state, version. ARGV: 1 base version, 2 state, 3 channel.
var publishScript = redis.NewScript(`
local v = redis.call('GET', KEYS[2]) or '0'
if v ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
local n = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], n)
return n
`)

// Publish implements scripted.SharedState: compare, write, count and
// announce in one script, so two replicas changing the scenarios at once
// cannot lose either change (the second makes it again on the first's).
func (t *StateStore) Publish(ctx context.Context, base int64, state []byte) (int64, bool, error) {
	n, err := publishScript.Run(ctx, t.s.client, []string{t.state, t.version}, strconv.FormatInt(base, 10), state, t.topic).Int64()
	if err != nil {
		return 0, false, t.s.fail(err)
	}
	return n, n > 0, nil
}

// Load implements scripted.SharedState: one MGET.
func (t *StateStore) Load(ctx context.Context) ([]byte, int64, error) {
	vals, err := t.s.client.MGet(ctx, t.state, t.version).Result()
	if err != nil {
		return nil, 0, t.s.fail(err)
	}
	state, _ := vals[0].(string)
	version, _ := vals[1].(string)
	if state == "" || version == "" {
		return nil, 0, nil
	}
	v, err := strconv.ParseInt(version, 10, 64)
	if err != nil {
		return nil, 0, t.s.fail(errors.New("the version key holds no number: another program writes under this prefix"))
	}
	return []byte(state), v, nil
}

// Watch implements scripted.SharedState: the versions announced on the
// channel, at once, and every PollInterval the version read (a GET), so
// a missed message is made up for; while Redis does not answer, nothing.
func (t *StateStore) Watch(ctx context.Context, changed func(version int64)) {
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
			if v, err := strconv.ParseInt(m.Payload, 10, 64); err == nil {
				changed(v)
			}
		case <-tick.C:
			s, err := t.s.client.Get(ctx, t.version).Result()
			switch {
			case errors.Is(err, redis.Nil):
				changed(0)
			case err == nil:
				if v, err := strconv.ParseInt(s, 10, 64); err == nil {
					changed(v)
				}
			}
		}
	}
}
