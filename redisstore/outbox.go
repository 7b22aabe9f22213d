package redisstore

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"time"
)

// Outbox keeps the event callbacks a replica has queued and not finished
// (callbacks.Outbox), in one hash per replica, beside a key that says the
// replica is alive (renewed every OutboxBeat, expiring after OutboxAlive).
// When a replica stops without sending its callbacks, the first other
// replica whose TakeOver finds its hash with no live key moves the hash
// into its own, atomically, and sends them: every callback kept is sent
// at least once.
type Outbox struct {
	s        *Store
	me       string
	stop     chan struct{}
	done     chan struct{}
	closeOne sync.Once
}

// The liveness of a replica's outbox.
const (
	OutboxBeat  = time.Second
	OutboxAlive = 3 * time.Second
)

// NewOutbox starts keeping this replica alive in s; Close stops.
func NewOutbox(s *Store) *Outbox {
	o := &Outbox{s: s, me: rand.Text()[:12], stop: make(chan struct{}), done: make(chan struct{})}
	o.beat()
	go func() {
		defer close(o.done)
		t := time.NewTicker(OutboxBeat)
		defer t.Stop()
		for {
			select {
			case <-o.stop:
				return
			case <-t.C:
				o.beat()
			}
		}
	}()
	return o
}

func (o *Outbox) hash(id string) string  { return o.s.prefix + "cb:out:" + id }
func (o *Outbox) alive(id string) string { return o.s.prefix + "cb:alive:" + id }

func (o *Outbox) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), OutboxBeat)
	defer cancel()
	_ = o.s.client.Set(ctx, o.alive(o.me), "1", OutboxAlive).Err()
}

// Put keeps items in this replica's hash: one round trip.
func (o *Outbox) Put(ctx context.Context, items map[string][]byte) error {
	vals := make([]any, 0, 2*len(items))
	for k, v := range items {
		vals = append(vals, k, v)
	}
	return o.s.fail(o.s.client.HSet(ctx, o.hash(o.me), vals...).Err())
}

// Done forgets a finished callback.
func (o *Outbox) Done(ctx context.Context, key string) error {
	return o.s.fail(o.s.client.HDel(ctx, o.hash(o.me), key).Err())
}

// takeOverScript moves a stopped replica's hash into the caller's, unless
// the replica is alive again or another replica took it first.
var takeOverScript = newScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return {} end
for i = 1, #all, 2 do redis.call('HSET', KEYS[3], all[i], all[i+1]) end
redis.call('DEL', KEYS[1])
return all
`)

// TakeOver returns the callbacks of the replicas whose live key expired,
// now kept as this replica's.
func (o *Outbox) TakeOver(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	prefix := o.hash("")
	iter := o.s.client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		id := strings.TrimPrefix(iter.Val(), prefix)
		if id == o.me {
			continue
		}
		res, err := takeOverScript.Run(ctx, o.s.client, []string{o.hash(id), o.alive(id), o.hash(o.me)}).StringSlice()
		if err != nil {
			return out, o.s.fail(err)
		}
		for i := 0; i+1 < len(res); i += 2 {
			out[res[i]] = []byte(res[i+1])
		}
	}
	return out, o.s.fail(iter.Err())
}

// Close stops keeping this replica alive and says so at once, so the
// callbacks it leaves (those its Dispatcher abandoned) are taken over
// without waiting for the key to expire.
func (o *Outbox) Close() {
	o.closeOne.Do(func() {
		close(o.stop)
		<-o.done
		ctx, cancel := context.WithTimeout(context.Background(), OutboxBeat)
		defer cancel()
		_ = o.s.client.Del(ctx, o.alive(o.me)).Err()
	})
}
