package flatjson_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/flatjson"
)

// What Parse reads, it reads as encoding/json does; what it does not, it
// says so. (mockserver's fast-path tests and fuzz target check it further.)
func TestParse(t *testing.T) {
	for _, body := range []string{
		`{}`, `{"a":"b"}`, ` {"a" : "b" , "c":true,"d":false,"e":null}`[1:], `{"to":"+14152225555","role":"agent"}`,
	} {
		got, ok := flatjson.Parse(body)
		require.True(t, ok, body)
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &want))
		assert.Equal(t, want, got, body)
	}
	for _, body := range []string{
		``, `{`, `[]`, `{"a":1}`, `{"a":"\u0041"}`, `{"a":{"b":"c"}}`, `{"a":"b","a":"c"}`, `{"a":"b",}`, `{"a":"b"} `, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
	} {
		_, ok := flatjson.Parse(body)
		assert.False(t, ok, "%q", body)
	}
}

// ParseInto empties the map it is given, so one map serves a walk.
func TestParseIntoReuses(t *testing.T) {
	m := map[string]any{}
	require.True(t, flatjson.ParseInto(`{"a":"1","b":"2"}`, m))
	require.True(t, flatjson.ParseInto(`{"c":"3"}`, m))
	assert.Equal(t, map[string]any{"c": "3"}, m)
	assert.False(t, flatjson.ParseInto(`{"d":4}`, m))
	require.True(t, flatjson.ParseInto(`{}`, m))
	assert.Empty(t, m)
}

// Scan gives the pairs in order with their kinds, stops reading at
// MaxKeys, and allocates nothing.
func TestScan(t *testing.T) {
	var got []string
	ok := flatjson.Scan(`{"a":"x","b":true,"c":false,"d":null,"e":""}`, func(k, v string, kind flatjson.Kind) {
		got = append(got, k+"="+v+"/"+string('0'+byte(kind)))
	})
	require.True(t, ok)
	assert.Equal(t, []string{"a=x/0", "b=true/1", "c=false/2", "d=null/3", "e=/0"}, got)

	many := "{"
	for i := range flatjson.MaxKeys + 1 {
		if i > 0 {
			many += ","
		}
		many += fmt.Sprintf(`"k%d":"v"`, i)
	}
	many += "}"
	assert.False(t, flatjson.Scan(many, func(string, string, flatjson.Kind) {}), "more than MaxKeys: left to encoding/json")
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(many), &want))
	assert.Len(t, want, flatjson.MaxKeys+1)

	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		flatjson.Scan(`{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`, func(string, string, flatjson.Kind) { n++ })
	})
	assert.Zero(t, allocs)
}

// FuzzParse: whatever Parse reads, encoding/json reads the same; and what
// encoding/json reads as a flat object of escape-free strings, Parse reads.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":true,"b":null}`, `{"a":"b","a":"c"}`, `{"a":1}`, `{"a":"\n"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := flatjson.Parse(body)
		var want map[string]any
		err := json.Unmarshal([]byte(body), &want)
		if ok {
			require.NoError(t, err, "%q", body)
			assert.Equal(t, want, got, "%q", body)
		}
	})
}

// BenchmarkScan and BenchmarkParse read the seed request's body, the body
// the fake's request path reads first.
//
//	go test -run '^$' -bench . -benchmem ./internal/flatjson
func BenchmarkScan(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for range b.N {
		if !flatjson.Scan(benchBody, func(string, string, flatjson.Kind) { n++ }) {
			b.Fatal("not read")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		if _, ok := flatjson.Parse(benchBody); !ok {
			b.Fatal("not read")
		}
	}
}

const benchBody = `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14151112222"}`
