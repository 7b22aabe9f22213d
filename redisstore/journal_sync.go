package redisstore

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// SyncAllTimeout bounds how long a read of the shared journal waits for
// the other replicas to write what they have queued: a replica that has
// not by then (its Redis connection slow, its writer behind by more than
// that) is not waited for.
const SyncAllTimeout = time.Second

// ackTTL: the acknowledgements of a read nobody waits for any more go
// away.
const ackTTL = 10 * time.Second

// The barrier of a read: a replica about to read the shared journal asks
// every replica (itself included) to write its queue first, so that it
// reads every exchange any replica answered before the read, not only its
// own. It PUBLISHes a nonce on PREFIX journal:sync; PUBLISH answers how
// many replicas listen; each one, once its queue before the message is
// written (Sync), pushes an acknowledgement on PREFIX journal:ack:NONCE,
// and the reader takes as many as PUBLISH counted (BLPOP), at most
// SyncAllTimeout in all. A round trip and one per replica, on reads only:
// the control plane's, never a request's.

func (j *Journal) syncChannel() string { return j.s.prefix + "journal:sync" }

func (j *Journal) ackKey(nonce string) string { return j.s.prefix + "journal:ack:" + nonce }

// subscribe starts listening to other replicas' reads. It waits (at most
// DialTimeout) for the subscription, so that a replica serving requests
// is counted by the reads that follow; go-redis subscribes again after a
// lost connection.
func (j *Journal) subscribe() {
	j.sub = j.s.client.Subscribe(j.ctx, j.syncChannel())
	ctx, cancel := context.WithTimeout(j.ctx, DialTimeout)
	_, _ = j.sub.Receive(ctx) // the confirmation; an error: not listening yet
	cancel()
	msgs := j.sub.Channel()
	go func() {
		for m := range msgs {
			j.asks.Add(1)
			go j.ack(m.Payload)
		}
	}()
}

// ack acknowledges a read once this replica's queue before it is written.
func (j *Journal) ack(nonce string) {
	ctx, cancel := context.WithTimeout(j.ctx, SyncAllTimeout)
	defer cancel()
	if j.Sync(ctx) != nil {
		return // the reader stops waiting for this replica
	}
	key := j.ackKey(nonce)
	_, _ = j.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, key, "1")
		p.Expire(ctx, key, ackTTL)
		return nil
	})
}

// syncAll waits until every replica has written what it queued before the
// call (this one's own queue: an error when it is not written; another
// replica's: at most SyncAllTimeout, then the read goes on without it).
func (j *Journal) syncAll(ctx context.Context) error {
	if err := j.Sync(ctx); err != nil {
		return err
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	n, err := j.s.client.Publish(ctx, j.syncChannel(), nonce).Result()
	if err != nil {
		return j.s.fail(err)
	}
	key := j.ackKey(nonce)
	defer j.s.client.Del(context.WithoutCancel(ctx), key)
	for deadline := time.Now().Add(SyncAllTimeout); n > 0 && time.Now().Before(deadline); n-- {
		// BLPOP's timeout is whole seconds: SyncAllTimeout is one.
		_, err := j.s.client.BLPop(ctx, SyncAllTimeout, key).Result()
		if errors.Is(err, redis.Nil) {
			return nil // a replica did not answer in time
		}
		if err != nil {
			return j.s.fail(err)
		}
	}
	return nil
}
