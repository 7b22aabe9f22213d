package mockserver

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJournalConcurrentAdds(t *testing.T) {
	const writers, each, size = 8, 500, 64
	j := newJournal(size)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				j.add(&Entry{Method: "POST"})
				_ = j.Entries(Filter{Limit: 3}) // readers alongside the writers
			}
		})
	}
	wg.Wait()
	got := j.Entries(Filter{})
	require.Len(t, got, size, "got %d entries, want the last %d", len(got), size)
	for i, e := range got {
		assert.Equal(t, uint64(writers*each-size+i+1), e.Seq, "entry %d", i)
	}
}

func TestJournalReset(t *testing.T) {
	j := newJournal(4)
	for range 6 {
		j.add(&Entry{})
	}
	j.Reset()
	assert.Empty(t, j.Entries(Filter{}), "got entries after Reset, want none")
	j.add(&Entry{Path: "/after"})
	got := j.Entries(Filter{})
	require.Len(t, got, 1)
	assert.Equal(t, uint64(7), got[0].Seq, "sequence numbers go on after Reset")
	assert.Equal(t, "/after", got[0].Path)
}

func TestJournalFilterLimit(t *testing.T) {
	j := newJournal(10)
	for i := range 5 {
		e := &Entry{Status: 201}
		if i%2 == 0 {
			e.Status = 400
		}
		j.add(e)
	}
	got := j.Entries(Filter{Status: 400, Limit: 2})
	require.Len(t, got, 2)
	assert.Equal(t, []uint64{3, 5}, []uint64{got[0].Seq, got[1].Seq})
}

// BenchmarkJournalAdd is journaling alone, from every CPU at once.
func BenchmarkJournalAdd(b *testing.B) {
	j := newJournal(DefaultJournalSize)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.add(&Entry{})
		}
	})
}
