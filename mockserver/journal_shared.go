package mockserver

import "context"

// A JournalStore keeps one journal for several fakes (replicas behind a load
// balancer): package redisstore's Journal. A Journal given one
// (Journal.SetStore) still keeps its own ring, and hands every entry to the
// store too, after trimming and redacting it, so the store never sees more
// than the ring keeps (no credential, no body past the body limit).
//
// Sequence numbers: an entry's Seq is this process's (the ring's), given when
// it is added, which is what code reading e.Seq right after adding it (package
// proxy) sees. The store numbers the entries of all replicas again, in one
// order of its own; the entries it returns carry its numbers, and a page's
// Next is a cursor in them.
type JournalStore interface {
	// Add takes e to be written, without waiting for the store: it is
	// called on the request's path. e is shared and read-only.
	Add(e *Entry)
	// Page and Reset are Journal.Page and Journal.Reset over the store's
	// journal; Entries returns all its entries numbered above after,
	// oldest first. Their errors name the store.
	Page(ctx context.Context, q PageQuery, match func(*Entry) bool) (JournalPage, error)
	Entries(ctx context.Context, after uint64) ([]*Entry, error)
	Reset(ctx context.Context) error
	// Dropped counts the entries Add could not take (the store was down
	// or slower than the requests): they are in the ring only.
	Dropped() uint64
	// Close writes what Add queued, within ctx, and stops; it is called
	// once no request can add to the journal.
	Close(ctx context.Context) error
}

// SetStore has the journal shared through st from now on: the Context
// methods read and reset st's journal instead of the ring. Call it before
// the fake serves; nil (the default) keeps the journal in the process.
func (j *Journal) SetStore(st JournalStore) { j.shared = st }

// Shared reports whether the journal has a store (SetStore).
func (j *Journal) Shared() bool { return j.shared != nil }

// PageContext is Page over the shared journal when there is one
// (SetStore), else over the ring (with no error).
func (j *Journal) PageContext(ctx context.Context, q PageQuery, match func(*Entry) bool) (JournalPage, error) {
	if j.shared == nil {
		return j.Page(q, match), nil
	}
	page, err := j.shared.Page(ctx, q, match)
	if err == nil {
		page.fit(q)
	}
	return page, err
}

// EntriesContext is Entries over the shared journal when there is one
// (SetStore), else over the ring (with no error).
func (j *Journal) EntriesContext(ctx context.Context, f Filter) ([]*Entry, error) {
	if j.shared == nil {
		return j.Entries(f), nil
	}
	all, err := j.shared.Entries(ctx, f.Since)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if f.match(e) {
			out = append(out, e)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, nil
}

// ResetContext empties the ring and, when there is one (SetStore), the
// shared journal, for every fake sharing it.
func (j *Journal) ResetContext(ctx context.Context) error {
	j.Reset()
	if j.shared == nil {
		return nil
	}
	return j.shared.Reset(ctx)
}
