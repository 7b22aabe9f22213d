package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/phlomock/phlomock/mockserver"
)

// Reset empties the journal of every replica; the sequence numbers go on.
// Every replica's queue is written first (syncAll), so what any of them
// answered before the reset is gone too.
func (j *Journal) Reset(ctx context.Context) error {
	if err := j.syncAll(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, journalReadTimeout)
	defer cancel()
	return j.s.fail(j.s.client.Del(ctx, j.stream).Err())
}

// Page is mockserver.Journal.Page over the shared journal, in its numbers:
// it reads the stream a chunk at a time (XRANGE after the cursor, or
// XREVRANGE from the end for the latest page), only as far as the page
// needs.
func (j *Journal) Page(ctx context.Context, q mockserver.PageQuery, match func(*mockserver.Entry) bool) (mockserver.JournalPage, error) {
	if err := j.syncAll(ctx); err != nil {
		return mockserver.JournalPage{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, journalReadTimeout)
	defer cancel()
	limit := q.Limit
	if limit <= 0 {
		limit = mockserver.DefaultPageLimit
	}
	limit = min(limit, mockserver.MaxPageLimit)
	// Chunks grow from 4 entries, 4 times a read, to the page and one more, so that a
	// page of big entries reads and decodes about what fits its byte
	// budget, not limit entries, and one of small entries takes a few
	// round trips; a filter reads 512 at a time.
	chunk, last := int64(min(limit+1, 4)), int64(limit+1)
	if match != nil {
		chunk, last = 512, 512
	}
	budget, used := q.Budget(), 0
	page := mockserver.JournalPage{Entries: []*mockserver.Entry{}, Next: q.After}
	if q.Latest {
		page.Next = 0
	}
	// scan reads entries from the stream, a chunk at a time, until the page
	// is full and one more matching entry is found (full) or the stream ends.
	var d entryDecoder
	scan := func(read func(from string) ([]redis.XMessage, error), from string) (full bool, err error) {
		for {
			msgs, err := read(from)
			if err != nil {
				return false, j.s.fail(err)
			}
			for _, m := range msgs {
				e, err := decodeEntry(&d, m)
				if err != nil {
					return false, j.s.fail(err)
				}
				if match != nil && !match(e) {
					continue
				}
				if len(page.Entries) == limit {
					return true, nil
				}
				size := mockserver.EntrySize(e) + 1 // and its comma
				if len(page.Entries) > 0 && used+size > budget {
					return true, nil // the budget: the rest is not decoded
				}
				used += size
				page.Entries = append(page.Entries, e)
			}
			if int64(len(msgs)) < chunk {
				return false, nil
			}
			from = "(" + msgs[len(msgs)-1].ID
			chunk = min(chunk*4, last)
		}
	}
	var err error
	if q.Latest {
		page.Earlier, err = scan(func(from string) ([]redis.XMessage, error) {
			return j.s.client.XRevRangeN(ctx, j.stream, from, "-", chunk).Result()
		}, "+")
		slices.Reverse(page.Entries)
	} else if q.After < math.MaxUint64 {
		page.More, err = scan(func(from string) ([]redis.XMessage, error) {
			return j.s.client.XRangeN(ctx, j.stream, from, "+", chunk).Result()
		}, "("+strconv.FormatUint(q.After, 10)+"-0")
	}
	if err != nil {
		return mockserver.JournalPage{}, err
	}
	if n := len(page.Entries); n > 0 {
		page.Next = page.Entries[n-1].Seq
	}
	return page, nil
}

// Entries returns every entry numbered above after, oldest first (for
// verify: the whole journal, as in memory).
func (j *Journal) Entries(ctx context.Context, after uint64) ([]*mockserver.Entry, error) {
	if err := j.syncAll(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, journalReadTimeout)
	defer cancel()
	const chunk = 1000
	var out []*mockserver.Entry
	if after == math.MaxUint64 {
		return out, nil
	}
	from := "(" + strconv.FormatUint(after, 10) + "-0"
	var d entryDecoder
	for {
		msgs, err := j.s.client.XRangeN(ctx, j.stream, from, "+", chunk).Result()
		if err != nil {
			return nil, j.s.fail(err)
		}
		for _, m := range msgs {
			e, err := decodeEntry(&d, m)
			if err != nil {
				return nil, j.s.fail(err)
			}
			out = append(out, e)
		}
		if len(msgs) < chunk {
			return out, nil
		}
		from = "(" + msgs[len(msgs)-1].ID
	}
}

// decodeEntry reads a stream entry: its Seq is the stream ID's first part.
// d reads what appendEntry wrote; anything else, encoding/json.
func decodeEntry(d *entryDecoder, m redis.XMessage) (*mockserver.Entry, error) {
	ms, _, _ := strings.Cut(m.ID, "-")
	seq, err := strconv.ParseUint(ms, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("journal entry %s: not an ID this journal writes", m.ID)
	}
	raw, _ := m.Values["e"].(string)
	e := new(mockserver.Entry)
	if !d.decode(raw, e) {
		*e = mockserver.Entry{}
		if err := unmarshalEntry(raw, e); err != nil {
			return nil, fmt.Errorf("journal entry %s: unreadable: %w", m.ID, err)
		}
	}
	e.Seq = seq
	return e, nil
}

// unmarshalEntry reads an entry with encoding/json: an Entry, and an
// answer that is not JSON in answer_raw (appendEntry).
func unmarshalEntry(raw string, e *mockserver.Entry) error {
	v := struct {
		*mockserver.Entry
		AnswerRaw []byte `json:"answer_raw"`
	}{Entry: e}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return err
	}
	if v.AnswerRaw != nil {
		e.Answer = v.AnswerRaw
	}
	return nil
}
