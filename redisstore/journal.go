package redisstore

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver"
)

// The bounds of the shared journal's writes and reads.
const (
	// DefaultJournalQueue is how many entries wait to be written when
	// JournalOptions.Queue is 0, and DefaultJournalQueueBytes how many
	// bytes of bodies and answers they may hold: beyond either, an entry is
	// dropped (and counted, Journal.Dropped) rather than hold a request up.
	// 16,384 entries are about 0.2 s of requests at the fastest this fake
	// answers on 2 cores, room for a writer a busy machine leaves waiting.
	DefaultJournalQueue      = 16384
	DefaultJournalQueueBytes = 32 << 20
	// journalBatch is the most entries one write takes, journalBatchBytes
	// about the most bytes of bodies and answers (a batch is at least one
	// entry).
	journalBatch      = 512
	journalBatchBytes = 1 << 20
	// journalWriteTimeout bounds one write (a round trip, retried once by
	// the client after a timeout).
	journalWriteTimeout = 2 * time.Second
	// journalReadTimeout bounds a read: a page, or every entry for verify
	// (0.5 s for a full 100,000-entry journal on loopback,
	// BenchmarkJournalStoreReadFull). Each round trip has its own short
	// timeouts (ReadTimeout), so a lost store fails a read at once; this
	// only keeps a big read from running for ever.
	journalReadTimeout = 30 * time.Second
	// SyncTimeout bounds how long a read waits for this replica's queue to
	// be written first: a store that does not take it by then fails the
	// read (503) rather than answer without this replica's latest entries.
	SyncTimeout = 2 * time.Second
	// JournalTTL: the journal of a fake that nobody has sent a request to
	// for this long is forgotten (as calls are, CallTTL).
	JournalTTL = 24 * time.Hour
	// the flusher's wait between writes that fail: doubling from the first
	// to the last while the store is down.
	retryFirst, retryMax = 50 * time.Millisecond, time.Second
)

// JournalOptions bound the shared journal as the journal in memory is
// bounded.
type JournalOptions struct {
	// Size is the most entries the journal keeps, the stream's exact
	// MAXLEN: serve's --journal-size (0: mockserver.DefaultJournalSize).
	Size int
	// Queue is the most entries waiting to be written (0:
	// DefaultJournalQueue), QueueBytes the most bytes of their bodies and
	// answers (0: DefaultJournalQueueBytes), so that a store that is down
	// costs at most that much memory beyond the journal's own.
	Queue      int
	QueueBytes int
}

// A Journal is the journal of every replica on one store and prefix, a
// mockserver.JournalStore (Journal.SetStore). It is one stream, at most
// Size entries (trimmed exactly after each batch), each entry as the fake's ring
// keeps it (redacted, its body and answer cut at the body limit), in
// JSON, so the stream is bounded in entries and in bytes as the ring is.
//
// Writes are off the request path: Add puts the entry in a bounded queue
// without waiting, and one goroutine writes what is queued, a batch per
// round trip (a script numbers the batch from a counter every replica
// shares and adds each entry with the ID SEQ-0), and retries while the
// store is down. An entry is in the stream one write after its answer: a
// round trip when the queue is short. Reads (and Reset) first have every
// replica write its queue (syncAll, journal_sync.go), so they see every
// exchange any replica answered before them.
type Journal struct {
	s       *Store
	size    int
	stream  string // the entries: ID SEQ-0, field "e" the entry's JSON
	seqKey  string // the last SEQ given
	batchID string // this replica's last batch written: a retried write is not written twice
	queue   chan *mockserver.Entry
	batches chan encoded  // from run to the writer
	kick    chan struct{} // cuts the flusher's wait between retries short
	quit    chan struct{} // Close: write what is queued, then stop
	done    chan struct{} // the flusher stopped
	ctx     context.Context
	abandon context.CancelFunc // Close's ctx ended: stop retrying
	closing atomic.Bool
	dropped atomic.Uint64
	queued  atomic.Uint64 // entries accepted by Add
	// bytes is what the bodies and answers of the entries not written yet
	// hold (queued, or encoded in a batch), at most maxBytes.
	bytes    atomic.Int64
	maxBytes int64
	batch    uint64    // the last batch's number (run's)
	bufs     sync.Pool // of *[]byte: batches' buffers

	sub  *redis.PubSub                 // other replicas' reads (journal_sync.go)
	asks atomic.Int64                  // other replicas' reads heard (tests)
	hold atomic.Pointer[chan struct{}] // tests: writes wait for it to close

	mu      sync.Mutex
	written uint64        // entries written
	err     error         // the last write's error; nil once one succeeds
	wrote   chan struct{} // closed (and replaced) after each write's outcome
}

// NewJournal starts the journal of s: call Close when done, to write what
// is queued.
func NewJournal(s *Store, opts JournalOptions) *Journal {
	if opts.Size <= 0 {
		opts.Size = mockserver.DefaultJournalSize
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultJournalQueue
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = DefaultJournalQueueBytes
	}
	var id [8]byte
	_, _ = crand.Read(id[:])
	ctx, cancel := context.WithCancel(context.Background())
	j := &Journal{
		s: s, size: opts.Size, maxBytes: int64(opts.QueueBytes),
		stream: s.prefix + "journal", seqKey: s.prefix + "journal:seq",
		batchID: s.prefix + "journal:w:" + hex.EncodeToString(id[:]),
		queue:   make(chan *mockserver.Entry, opts.Queue), batches: make(chan encoded, 1),
		kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, abandon: cancel, wrote: make(chan struct{}),
	}
	j.subscribe()
	go j.run()
	go j.writer()
	return j
}

// Add queues e to be written, never waiting: when the queue is full (the
// store is down, or slower than the requests), e is dropped and counted
// (Dropped). e is only read.
func (j *Journal) Add(e *mockserver.Entry) {
	if j.closing.Load() {
		j.dropped.Add(1)
		return
	}
	n := entryBytes(e)
	if j.bytes.Add(n) > j.maxBytes {
		j.bytes.Add(-n)
		j.dropped.Add(1)
		return
	}
	select {
	case j.queue <- e:
		j.queued.Add(1)
	default:
		j.bytes.Add(-n)
		j.dropped.Add(1)
	}
}

// entryBytes is what an entry's body and answer hold.
func entryBytes(e *mockserver.Entry) int64 {
	return int64(len(e.Body) + len(e.BodyBase64) + len(e.Answer))
}

// Dropped is how many entries Add dropped because the queue was full (or
// the journal closed): they are in this replica's ring only.
func (j *Journal) Dropped() uint64 { return j.dropped.Load() }

// Queued is how many entries wait to be written.
func (j *Journal) Queued() int { return len(j.queue) }

// Close writes what is queued and stops, within ctx: when ctx ends first,
// the entries not written yet are lost, and the error says how many.
func (j *Journal) Close(ctx context.Context) error {
	if j.closing.Swap(true) {
		<-j.done
		return nil
	}
	defer j.sub.Close() // after the queue: reads may wait for it until then
	close(j.quit)
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
	}
	j.abandon()
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if lost := j.queued.Load() - j.written; lost > 0 {
		return fmt.Errorf("store %s: %d journal entries not written before shutdown: %w", j.s.redacted, lost, errors.Join(ctx.Err(), j.err))
	}
	return nil
}

// run takes what is queued, a batch at a time, and encodes it for the
// writer, until Close. A batch is what waits when the last one was handed
// over (up to journalBatch), so a quiet fake writes each entry at once and
// a busy one fewer, bigger writes; the next batch is encoded while the
// writer waits for Redis.
func (j *Journal) run() {
	defer close(j.batches)
	batch := make([]*mockserver.Entry, 0, journalBatch)
	for {
		select {
		case e := <-j.queue:
			batch = append(batch, e)
		case <-j.quit:
			for {
				batch = j.take(batch)
				if len(batch) == 0 || !j.hand(batch) {
					return
				}
				batch = batch[:0]
			}
		}
		if !j.hand(j.take(batch)) {
			return
		}
		batch = batch[:0]
	}
}

// take adds what waits in the queue to batch, up to journalBatch entries
// or journalBatchBytes of bodies and answers.
func (j *Journal) take(batch []*mockserver.Entry) []*mockserver.Entry {
	var n int64
	for _, e := range batch {
		n += entryBytes(e)
	}
	for len(batch) < journalBatch && n < journalBatchBytes {
		select {
		case e := <-j.queue:
			batch = append(batch, e)
			n += entryBytes(e)
		default:
			return batch
		}
	}
	return batch
}

// An encoded batch is the script's arguments for a batch of n entries.
type encoded struct {
	args  []any
	n     int
	bytes int64   // the entries' entryBytes
	buf   *[]byte // the entries' JSON, to reuse once written
}

// maxPooledBuffer: a batch's buffer bigger than this (entries with big
// bodies) is not kept for the next batch.
const maxPooledBuffer = 1 << 20

// hand encodes batch, numbered after the last one, and hands it to the
// writer: false when Close gave up.
func (j *Journal) hand(batch []*mockserver.Entry) bool {
	j.batch++
	bp, _ := j.bufs.Get().(*[]byte) // one buffer for the batch: the entries are slices of it
	if bp == nil {
		bp = new([]byte)
	}
	b := (*bp)[:0]
	ends := make([]int, 0, len(batch))
	var n int64
	for _, e := range batch {
		b = appendEntry(b, e)
		ends = append(ends, len(b))
		n += entryBytes(e)
	}
	args := make([]any, 0, len(batch)+4)
	args = append(args, j.size, j.batch, int(JournalTTL/time.Second), len(batch))
	start := 0
	for _, end := range ends {
		args = append(args, b[start:end:end])
		start = end
	}
	*bp = b
	select {
	case j.batches <- encoded{args: args, n: len(batch), bytes: n, buf: bp}:
		return true
	case <-j.ctx.Done():
		return false
	}
}

// writer writes the batches run encodes, in order, until run stops or
// Close gives up.
func (j *Journal) writer() {
	defer close(j.done)
	defer j.abandon()
	for b := range j.batches {
		ok := j.write(b)
		j.bytes.Add(-b.bytes)
		if cap(*b.buf) <= maxPooledBuffer {
			j.bufs.Put(b.buf)
		}
		if !ok {
			for range j.batches { // run stops at once: ctx is done
			}
			return
		}
	}
}

// write writes an encoded batch, retrying until it is written (true) or
// Close gives up (false).
func (j *Journal) write(b encoded) bool {
	if h := j.hold.Load(); h != nil {
		select {
		case <-*h:
		case <-j.ctx.Done():
			return false
		}
	}
	wait := retryFirst
	for {
		ctx, cancel := context.WithTimeout(j.ctx, journalWriteTimeout)
		err := addScript.Run(ctx, j.s.client, []string{j.stream, j.seqKey, j.batchID}, b.args...).Err()
		cancel()
		j.mu.Lock()
		if err == nil {
			j.written += uint64(b.n)
			j.err = nil
		} else {
			j.err = j.s.fail(err)
		}
		close(j.wrote)
		j.wrote = make(chan struct{})
		j.mu.Unlock()
		if err == nil {
			return true
		}
		select {
		case <-time.After(wait):
		case <-j.kick:
		case <-j.ctx.Done():
			return false
		}
		wait = min(2*wait, retryMax)
	}
}

// Sync waits until the entries Add took before it are written, at most
// SyncTimeout: an error (naming the store) when the store does not take
// them, or after a write fails.
func (j *Journal) Sync(ctx context.Context) error {
	target := j.queued.Load()
	ctx, cancel := context.WithTimeout(ctx, SyncTimeout)
	defer cancel()
	for kicked := false; ; {
		j.mu.Lock()
		written, wrote := j.written, j.wrote
		j.mu.Unlock()
		if written >= target {
			return nil
		}
		if !kicked { // a flusher waiting to retry tries now
			kicked = true
			select {
			case j.kick <- struct{}{}:
			default:
			}
		}
		select {
		case <-wrote:
		case <-j.done:
			return fmt.Errorf("store %s: the journal is closed", j.s.redacted)
		case <-ctx.Done():
			return fmt.Errorf("store %s: %d journal entries of this replica not written after %v", j.s.redacted, target-written, SyncTimeout)
		}
		j.mu.Lock()
		err := j.err
		j.mu.Unlock()
		if err != nil {
			return err
		}
	}
}
