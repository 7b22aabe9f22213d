package redisstore_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

// journalFake is a fake whose journal is shared through a store of its own
// connection to s, as a replica's is.
type journalFake struct {
	fake    *mockserver.Server
	journal *redisstore.Journal
}

func newJournalFake(t *testing.T, s *redistest.Server, opts redisstore.JournalOptions) journalFake {
	t.Helper()
	st, err := redisstore.Open(context.Background(), s.URL(0), "t:")
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	doc, err := openapi.Load()
	require.NoError(t, err)
	fake, err := mockserver.New(doc, mockserver.Options{JournalSize: opts.Size})
	require.NoError(t, err)
	j := redisstore.NewJournal(st, opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = j.Close(ctx) // the store may be down: then the queue is lost
	})
	fake.Journal().SetStore(j)
	return journalFake{fake: fake, journal: j}
}

// send sends the seed request for node N<n> to f, with the default
// account's credentials and a proxy's bearer token.
func (f journalFake) send(t *testing.T, n int) {
	t.Helper()
	req := httptest.NewRequest("POST", fmt.Sprintf("/v1/phlo/P1/multi_party_call/N%d", n),
		strings.NewReader(`{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14151112222"}`))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Proxy-Authorization", "Bearer proxy-secret-0123")
	req.Header.Set("Content-Type", "application/json")
	f.fake.ServeHTTP(httptest.NewRecorder(), req)
}

func (f journalFake) sync(t *testing.T) {
	t.Helper()
	require.NoError(t, f.journal.Sync(context.Background()))
}

func seqs(entries []*mockserver.Entry) []uint64 {
	out := []uint64{}
	for _, e := range entries {
		out = append(out, e.Seq)
	}
	return out
}

// One replica on an empty store: every page of the shared journal is the
// ring's, byte for byte in JSON (the entries come back from Redis as they
// went in, numbered alike).
func TestJournalPagesAsInMemory(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{})
	for n := 1; n <= 10; n++ {
		f.send(t, n)
	}
	node7 := func(e *mockserver.Entry) bool { return strings.HasSuffix(e.Path, "/N7") }
	for name, q := range map[string]struct {
		q     mockserver.PageQuery
		match func(*mockserver.Entry) bool
	}{
		"first page":        {q: mockserver.PageQuery{After: 0, Limit: 3}},
		"middle page":       {q: mockserver.PageQuery{After: 3, Limit: 3}},
		"last page":         {q: mockserver.PageQuery{After: 9, Limit: 3}},
		"after the end":     {q: mockserver.PageQuery{After: 10, Limit: 3}},
		"latest":            {q: mockserver.PageQuery{Latest: true, Limit: 3}},
		"latest, all":       {q: mockserver.PageQuery{Latest: true}},
		"latest, filtered":  {q: mockserver.PageQuery{Latest: true, Limit: 1}, match: node7},
		"after, filtered":   {q: mockserver.PageQuery{After: 7, Limit: 1}, match: node7},
		"after, filtered 2": {q: mockserver.PageQuery{After: 2, Limit: 1}, match: node7},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(f.fake.Journal().Page(q.q, q.match))
			require.NoError(t, err)
			page, err := f.fake.Journal().PageContext(context.Background(), q.q, q.match)
			require.NoError(t, err)
			got, err := json.Marshal(page)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{Since: 4, Limit: 3})
	require.NoError(t, err)
	assert.Equal(t, []uint64{8, 9, 10}, seqs(all))
}

// Two replicas: each reads the entries of both, numbered in one order
// (the order they were written in), and paging from after=0 reads each
// once.
func TestJournalTwoReplicas(t *testing.T) {
	s := redistest.Start(t)
	a := newJournalFake(t, s, redisstore.JournalOptions{})
	b := newJournalFake(t, s, redisstore.JournalOptions{})
	for n := 1; n <= 9; n++ {
		on := []journalFake{a, b}[n%2]
		on.send(t, n)
		on.sync(t) // written before the next: the shared order is n's
	}
	for _, on := range []journalFake{a, b} {
		var paths []string
		var after uint64
		for {
			page, err := on.fake.Journal().PageContext(context.Background(), mockserver.PageQuery{After: after, Limit: 4}, nil)
			require.NoError(t, err)
			for _, e := range page.Entries {
				paths = append(paths, e.Path[strings.LastIndex(e.Path, "/")+1:])
			}
			after = page.Next
			if !page.More {
				break
			}
		}
		assert.Equal(t, []string{"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"}, paths)
		assert.Equal(t, uint64(9), after)
	}
}

// The stream keeps the journal's size exactly, the latest entries.
func TestJournalSizeCap(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{Size: 5})
	for n := 1; n <= 12; n++ {
		f.send(t, n)
	}
	f.sync(t)
	st, err := redisstore.Open(context.Background(), s.URL(0), "t:")
	require.NoError(t, err)
	defer st.Close()
	n, err := st.Client().XLen(context.Background(), "t:journal").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(5), n)
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Equal(t, []uint64{8, 9, 10, 11, 12}, seqs(all))
}

// A reset on one replica empties the journal for all; numbers go on.
func TestJournalReset(t *testing.T) {
	s := redistest.Start(t)
	a := newJournalFake(t, s, redisstore.JournalOptions{})
	b := newJournalFake(t, s, redisstore.JournalOptions{})
	a.send(t, 1)
	b.send(t, 2)
	b.sync(t)
	rec := httptest.NewRecorder()
	a.fake.AdminHandler().ServeHTTP(rec, httptest.NewRequest("DELETE", "http://localhost"+mockserver.AdminBase+"/journal", nil))
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	all, err := b.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Empty(t, all)
	b.send(t, 3)
	b.sync(t) // another replica's entry: a reads it once b has written it
	all, err = a.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, uint64(3), all[0].Seq)
}

// Redis gets the entries as the ring keeps them: no Auth Token, no proxy
// secret, in any key (the Auth ID is kept, for certification).
func TestJournalNoCredentialInRedis(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{})
	for n := 1; n <= 3; n++ {
		f.send(t, n)
	}
	f.sync(t)
	st, err := redisstore.Open(context.Background(), s.URL(0), "")
	require.NoError(t, err)
	defer st.Close()
	ctx := context.Background()
	c := st.Client()
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	var all strings.Builder
	for _, k := range keys {
		all.WriteString(k + "\n")
		switch typ := c.Type(ctx, k).Val(); typ {
		case "stream":
			msgs, err := c.XRange(ctx, k, "-", "+").Result()
			require.NoError(t, err)
			for _, m := range msgs {
				fmt.Fprintln(&all, m.ID, m.Values)
			}
		case "string":
			all.WriteString(c.Get(ctx, k).Val() + "\n")
		default:
			t.Errorf("key %s: a %s, which this test does not read", k, typ)
		}
	}
	dump := all.String()
	secretB64 := base64.StdEncoding.EncodeToString([]byte(mockserver.DefaultAuthID + ":" + mockserver.DefaultAuthToken))
	for _, secret := range []string{mockserver.DefaultAuthToken, secretB64, "proxy-secret-0123"} {
		assert.NotContains(t, dump, secret)
	}
	assert.Contains(t, dump, mockserver.DefaultAuthID+`:[redacted]`)
	assert.Equal(t, 3, strings.Count(dump, "/v1/phlo/P1/multi_party_call/N"))
}

// With the store down, a read fails naming the store (GET
// /__admin/journal answers 503 {api_id, error}), entries wait in the
// queue, and once the store is back they are written.
func TestJournalStoreDown(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{})
	f.send(t, 1)
	f.sync(t)
	s.Stop()
	for n := 2; n <= 4; n++ {
		f.send(t, n)
	}
	_, err := f.fake.Journal().PageContext(context.Background(), mockserver.PageQuery{Latest: true}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "store redis://"+s.Addr+"/0")

	rec := httptest.NewRecorder()
	f.fake.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+mockserver.AdminBase+"/journal", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	var body struct {
		APIID string `json:"api_id"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.NotEmpty(t, body.APIID)
	assert.Contains(t, body.Error, "store redis://"+s.Addr+"/0")

	s.Restart() // empty: the test server keeps nothing on disk
	require.Eventually(t, func() bool { return f.journal.Sync(context.Background()) == nil }, 20*time.Second, 50*time.Millisecond)
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	var paths []string
	for _, e := range all {
		paths = append(paths, e.Path)
	}
	assert.Equal(t, []string{"/v1/phlo/P1/multi_party_call/N2", "/v1/phlo/P1/multi_party_call/N3", "/v1/phlo/P1/multi_party_call/N4"}, paths)
	assert.Zero(t, f.journal.Dropped())
}

// A full queue drops what does not fit, and counts it, rather than wait;
// once the store is back, what was not dropped is written.
func TestJournalQueueFullDrops(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{Queue: 2})
	s.Stop()
	// One at a time, each taken from the queue alone: one batch the writer
	// retries, one handed to it, one the encoder holds, waiting (which may
	// take the next entry too, if it comes at once).
	for n := 1; n <= 3; n++ {
		f.send(t, n)
		require.Eventually(t, func() bool { return f.journal.Queued() == 0 }, 10*time.Second, time.Millisecond)
	}
	for n := 4; n <= 10; n++ {
		f.send(t, n)
	}
	assert.Equal(t, 2, f.journal.Queued(), "the queue is full")
	dropped := f.journal.Dropped()
	assert.GreaterOrEqual(t, dropped, uint64(3))
	assert.Len(t, f.fake.Journal().Entries(mockserver.Filter{}), 10, "the ring keeps them all")

	s.Restart()
	require.Eventually(t, func() bool { return f.journal.Sync(context.Background()) == nil }, 20*time.Second, 50*time.Millisecond)
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Len(t, all, 10-int(dropped), "every entry not dropped is written")
}

// Close writes what is queued before it returns.
func TestJournalCloseWritesTheQueue(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{})
	for n := 1; n <= 300; n++ {
		f.send(t, n)
	}
	require.NoError(t, f.journal.Close(context.Background()))
	other := newJournalFake(t, s, redisstore.JournalOptions{})
	all, err := other.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Len(t, all, 300)
	assert.Equal(t, uint64(300), all[len(all)-1].Seq)
}

// The queue is bounded in bytes too: with the store down, entries beyond
// QueueBytes of bodies and answers not yet written are dropped.
func TestJournalQueueBytesBound(t *testing.T) {
	s := redistest.Start(t)
	const limit = 400
	f := newJournalFake(t, s, redisstore.JournalOptions{QueueBytes: limit})
	s.Stop()
	for n := 1; n <= 10; n++ {
		f.send(t, n)
	}
	ring := f.fake.Journal().Entries(mockserver.Filter{})
	require.Len(t, ring, 10)
	size := len(ring[0].Body) + len(ring[0].Answer)
	kept := limit / size
	require.Greater(t, kept, 0, "an entry of %d bytes", size)
	assert.Equal(t, uint64(10-kept), f.journal.Dropped())

	s.Restart()
	require.Eventually(t, func() bool { return f.journal.Sync(context.Background()) == nil }, 20*time.Second, 50*time.Millisecond)
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	assert.Len(t, all, kept)
}

// Pages that read the stream in several chunks (a filter reads 512
// entries a round trip, Entries 1,000) are still the ring's.
func TestJournalPagesAcrossChunks(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{Size: 2000})
	const n = 1300
	for i := 1; i <= n; i++ {
		f.send(t, i%700) // N7 twice: entries 7 and 707
	}
	node7 := func(e *mockserver.Entry) bool { return strings.HasSuffix(e.Path, "/N7") }
	for name, q := range map[string]struct {
		q     mockserver.PageQuery
		match func(*mockserver.Entry) bool
	}{
		"latest, filtered":      {q: mockserver.PageQuery{Latest: true, Limit: 1}, match: node7},
		"latest, filtered, all": {q: mockserver.PageQuery{Latest: true}, match: node7},
		"after, filtered":       {q: mockserver.PageQuery{After: 0, Limit: 1}, match: node7},
		"after 7, filtered":     {q: mockserver.PageQuery{After: 7}, match: node7},
		"first 1000":            {q: mockserver.PageQuery{After: 0, Limit: 1000}},
		"latest 1000":           {q: mockserver.PageQuery{Latest: true, Limit: 1000}},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(f.fake.Journal().Page(q.q, q.match))
			require.NoError(t, err)
			page, err := f.fake.Journal().PageContext(context.Background(), q.q, q.match)
			require.NoError(t, err)
			got, err := json.Marshal(page)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
	all, err := f.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	require.Len(t, all, n)
	assert.Equal(t, uint64(1), all[0].Seq)
	assert.Equal(t, uint64(n), all[n-1].Seq)
}

// A read on one replica waits for the other replicas to write what they
// answered before it: replica a's writer is held, b reads, and b's answer
// has a's entry once a writes it.
func TestJournalReadWaitsForOtherReplicas(t *testing.T) {
	s := redistest.Start(t)
	a := newJournalFake(t, s, redisstore.JournalOptions{})
	b := newJournalFake(t, s, redisstore.JournalOptions{})
	release := redisstore.HoldWrites(a.journal)
	a.send(t, 1)
	got := make(chan []*mockserver.Entry)
	go func() {
		all, err := b.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
		assert.NoError(t, err)
		got <- all
	}()
	// b's read has asked a to write its queue, and is still waiting: the
	// path under test ran (a sleep would pass with b not started yet).
	require.Eventually(t, func() bool { return redisstore.SyncsAsked(a.journal) >= 1 }, 5*time.Second, time.Millisecond, "b asked a to write")
	select {
	case all := <-got:
		t.Fatalf("b answered before a wrote: got %d entries, want b to wait", len(all))
	default:
	}
	release()
	all := <-got
	require.Len(t, all, 1, "b's read waited for a's entry")
	assert.Equal(t, "/v1/phlo/P1/multi_party_call/N1", all[0].Path)
}

// A replica that does not write in time is not waited for past
// SyncAllTimeout: the read answers without its entries.
func TestJournalReadDoesNotWaitForever(t *testing.T) {
	s := redistest.Start(t)
	a := newJournalFake(t, s, redisstore.JournalOptions{})
	b := newJournalFake(t, s, redisstore.JournalOptions{})
	_ = redisstore.HoldWrites(a.journal) // never released: a is stuck
	a.send(t, 1)
	b.send(t, 2)
	all, err := b.fake.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "/v1/phlo/P1/multi_party_call/N2", all[0].Path)
}

// A page of big entries stops reading and decoding at its byte budget:
// 300 entries of 64 KiB bodies of "<" (384 KiB each in JSON), read with
// limit 1000 and a 1 MiB budget, allocate for a few of them (sizing one
// as JSON allocates its JSON), not for the 19 MiB of raw bodies the 300
// are, twice (read, then decoded); the page says more follow and its
// cursor continues.
func TestJournalStorePageStopsAtBudget(t *testing.T) {
	s := redistest.Start(t)
	f := newJournalFake(t, s, redisstore.JournalOptions{})
	body := strings.Repeat("<", 64<<10)
	for i := range 300 {
		f.journal.Add(&mockserver.Entry{Method: "POST", Path: fmt.Sprintf("/v1/phlo/P/multi_party_call/N%d", i), Body: body, Status: 201})
	}
	ctx := context.Background()
	require.Eventually(t, func() bool { return f.journal.Sync(ctx) == nil }, 20*time.Second, 10*time.Millisecond)
	for _, latest := range []bool{false, true} {
		q := mockserver.PageQuery{Limit: 1000, MaxBytes: 1 << 20, Latest: latest}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		page, err := f.fake.Journal().PageContext(ctx, q, nil)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		require.NotEmpty(t, page.Entries)
		assert.LessOrEqual(t, len(page.Entries), 3, "latest %t: a 1 MiB budget holds two 384 KiB entries (at least one)", latest)
		assert.Equal(t, 1<<20, page.MaxBytes)
		if latest {
			assert.True(t, page.Earlier, "older entries left out")
		} else {
			assert.True(t, page.More, "more entries follow")
			next, err := f.fake.Journal().PageContext(ctx, mockserver.PageQuery{After: page.Next, Limit: 1000, MaxBytes: 1 << 20}, nil)
			require.NoError(t, err)
			require.NotEmpty(t, next.Entries)
			assert.Equal(t, page.Next+1, next.Entries[0].Seq, "the cursor continues")
		}
		allocated := after.TotalAlloc - before.TotalAlloc
		assert.Less(t, allocated, uint64(12<<20), "latest %t: %d MiB allocated to read a page of %d entries", latest, allocated>>20, len(page.Entries))
	}
}
