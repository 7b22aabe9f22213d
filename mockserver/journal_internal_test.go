package mockserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJournalConcurrentAdds(t *testing.T) {
	const writers, each, size = 8, 500, 64
	j := newJournal(size, 0)
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

// A request that stalls between claiming its number and storing its entry,
// while the ring goes round, must not overwrite the newer entry of its slot.
func TestJournalLateStore(t *testing.T) {
	j := newJournal(2, 0)
	late := &Entry{Path: "/late", Seq: j.seq.Add(1)} // claims 1, stores later
	j.add(&Entry{Path: "/2"})
	j.add(&Entry{Path: "/3"}) // the slot of 1
	j.store(late)
	got := j.Entries(Filter{})
	paths := make([]string, len(got))
	for i, e := range got {
		paths[i] = e.Path
	}
	assert.Equal(t, []string{"/2", "/3"}, paths, "got %v, want the two latest", paths)
}

func TestJournalReset(t *testing.T) {
	j := newJournal(4, 0)
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
	j := newJournal(10, 0)
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

func TestJournalBodyLimit(t *testing.T) {
	const limit = 8
	tests := []struct {
		name                  string
		limit                 int
		body, answer          string
		base64                bool
		wantBody, wantBase64  string
		wantAnswer            string
		wantBodySize, wantAns int // 0: not truncated
	}{
		{name: "short kept whole", limit: limit, body: "12345678", answer: `{"a":1}`, wantBody: "12345678", wantAnswer: `{"a":1}`},
		{name: "long body cut", limit: limit, body: "1234567890", wantBody: "12345678", wantBodySize: 10},
		// "é" is bytes 7 and 8: the prefix stays valid UTF-8.
		{name: "cut on a character", limit: limit, body: "1234567\u00e9", wantBody: "1234567", wantBodySize: 9},
		{name: "not UTF-8: bytes and base64", limit: limit, body: "\xff\xff\xff\xff\xff\xff\xff\xff\xff", base64: true,
			wantBody: "\xff\xff\xff\xff\xff\xff\xff\xff", wantBase64: "//////////8=", wantBodySize: 9},
		{name: "long answer: its start", limit: limit, answer: `{"api_id":"x"}`, wantAnswer: `{"api_id`, wantAns: 14},
		{name: "negative: no limit", limit: -1, body: "1234567890", answer: `{"api_id":"x"}`, wantBody: "1234567890", wantAnswer: `{"api_id":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJournal(4, tt.limit)
			e := &Entry{Body: tt.body, Answer: AnswerBody(tt.answer)}
			if tt.base64 {
				e.BodyBase64 = base64.StdEncoding.EncodeToString([]byte(tt.body))
			}
			j.add(e)
			assert.Equal(t, tt.wantBody, e.Body)
			assert.Equal(t, tt.wantBase64 == "" && !tt.base64, e.BodyBase64 == "")
			if tt.wantBase64 != "" {
				assert.Equal(t, tt.wantBase64, e.BodyBase64)
			}
			assert.Equal(t, tt.wantBodySize != 0, e.BodyTruncated)
			assert.Equal(t, tt.wantBodySize, e.BodySize)
			assert.Equal(t, tt.wantAnswer, string(e.Answer))
			assert.Equal(t, tt.wantAns != 0, e.AnswerTruncated)
			assert.Equal(t, tt.wantAns, e.AnswerSize)
			_, err := json.Marshal(e)
			require.NoError(t, err, "the entry encodes")
		})
	}
}

// An answer that is not JSON (a scenario's verbatim HTML page, a cut one)
// is encoded as a JSON string: as raw JSON it failed the whole journal page.
func TestEntryMarshalNonJSONAnswer(t *testing.T) {
	tests := []struct{ answer, want string }{
		{`{"api_id":"x","error":""}`, `{"api_id":"x","error":""}`},
		{`<html>502 Bad Gateway</html>`, `"\u003chtml\u003e502 Bad Gateway\u003c/html\u003e"`},
		{`{"api_id`, `"{\"api_id"`}, // cut by the body limit
		{``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			e := &Entry{Answer: AnswerBody(tt.answer)}
			b, err := json.Marshal(JournalPage{Entries: []*Entry{e}})
			require.NoError(t, err)
			var page struct {
				Entries []struct {
					Answer json.RawMessage `json:"answer"`
				} `json:"entries"`
			}
			require.NoError(t, json.Unmarshal(b, &page))
			assert.Equal(t, tt.want, string(page.Entries[0].Answer))
			assert.Equal(t, tt.answer, string(e.Answer), "the entry itself is unchanged")
		})
	}
}

// BenchmarkJournalAdd is journaling alone, from every CPU at once.
func BenchmarkJournalAdd(b *testing.B) {
	j := newJournal(DefaultJournalSize, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.add(&Entry{})
		}
	})
}

func TestRedactHeader(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("MA1:secret-token"))
	tests := []struct {
		name, header, value, want string
	}{
		{"basic keeps the auth id", "Authorization", basic, "Basic MA1:[redacted]"},
		{"bearer redacted whole", "Authorization", "Bearer secret-token", "[redacted]"},
		{"proxy basic keeps the id", "Proxy-Authorization", basic, "Basic MA1:[redacted]"},
		{"proxy other scheme redacted whole", "Proxy-Authorization", "Digest secret-token", "[redacted]"},
		{"other headers kept", "X-Request-Id", "secret-token", "secret-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.header, tt.value)
			got := redactHeader(h).Get(tt.header)
			assert.Equal(t, tt.want, got, "got %q, want %q", got, tt.want)
			assert.Equal(t, tt.value, h.Get(tt.header), "the request's own header must not change")
		})
	}
}

// Equal header sets share one map, redacted; different ones (another Auth
// ID, another token) do not, and a token never reaches the table's keys.
func TestJournalHeaderShared(t *testing.T) {
	j := newJournal(4, 0)
	h := func(id, token string) http.Header {
		return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+token))},
			"Content-Type": {"application/json"}}
	}
	a, b := j.header(h("MA1", "t1")), j.header(h("MA1", "t2"))
	assert.Equal(t, "Basic MA1:[redacted]", a.Get("Authorization"))
	assert.Equal(t, reflectPointer(a), reflectPointer(b), "the same header set, redacted, must be one map")
	c := j.header(h("MA2", "t1"))
	assert.Equal(t, "Basic MA2:[redacted]", c.Get("Authorization"))
	assert.NotEqual(t, reflectPointer(a), reflectPointer(c), "another Auth ID is another header set")
	for key := range *j.headers.m.Load() {
		assert.NotContains(t, key, "t1", "a token in the table's key %q", key)
	}
}

// Past internTableMax header sets, entries keep their own, still redacted.
func TestJournalHeaderTableFull(t *testing.T) {
	j := newJournal(4, 0)
	for i := range internTableMax + 10 {
		got := j.header(http.Header{"X-Request-Id": {strconv.Itoa(i)}, "Authorization": {"Bearer tok"}})
		require.Equal(t, strconv.Itoa(i), got.Get("X-Request-Id"))
		require.Equal(t, "[redacted]", got.Get("Authorization"))
	}
	assert.Len(t, *j.headers.m.Load(), internTableMax, "the table stays bounded")
}

func TestJournalCompact(t *testing.T) {
	j := newJournal(4, 0)
	cred := "MA1:token"
	answer := append(make([]byte, 0, 256), `{"api_id":"x"}`...)
	e1 := &Entry{PathParams: map[string]string{"phlo_id": "P1"}, AuthID: cred[:3], Answer: answer}
	e2 := &Entry{PathParams: map[string]string{"phlo_id": "P1"}, AuthID: "MA1"}
	e3 := &Entry{PathParams: map[string]string{"phlo_id": "P2"}}
	j.add(e1)
	j.add(e2)
	j.add(e3)
	assert.Equal(t, reflectPointer(e1.PathParams), reflectPointer(e2.PathParams), "equal path parameters are shared")
	assert.Equal(t, "P2", e3.PathParams["phlo_id"])
	assert.Equal(t, "MA1", e2.AuthID)
	assert.Equal(t, `{"api_id":"x"}`, string(e1.Answer))
	assert.Less(t, cap(e1.Answer), 32, "the answer keeps no spare buffer")
}

func reflectPointer(v any) uintptr { return reflect.ValueOf(v).Pointer() }
