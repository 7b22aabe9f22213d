package jsonread_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/jsonread"
)

// What Parse reads, it reads as encoding/json does; what it does not, it
// says so. (mockserver's fast-path tests and fuzz target check it further.)
func TestParse(t *testing.T) {
	for _, body := range []string{
		`{}`, `{"a":"b"}`, ` {"a" : "b" , "c":true,"d":false,"e":null}`[1:], `{"to":"+14152225555","role":"agent"}`,
	} {
		got, ok := jsonread.Parse(body)
		require.True(t, ok, body)
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &want))
		assert.Equal(t, want, got, body)
	}
	for _, body := range []string{
		``, `{`, `[]`, `{"a":1}`, `{"a":"\u0041"}`, `{"a":{"b":"c"}}`, `{"a":"b","a":"c"}`, `{"a":"b",}`, `{"a":"b"} `, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
	} {
		_, ok := jsonread.Parse(body)
		assert.False(t, ok, "%q", body)
	}
}

// ParseInto empties the map it is given, so one map serves a walk.
func TestParseIntoReuses(t *testing.T) {
	m := map[string]any{}
	require.True(t, jsonread.ParseInto(`{"a":"1","b":"2"}`, m))
	require.True(t, jsonread.ParseInto(`{"c":"3"}`, m))
	assert.Equal(t, map[string]any{"c": "3"}, m)
	assert.False(t, jsonread.ParseInto(`{"d":4}`, m))
	require.True(t, jsonread.ParseInto(`{}`, m))
	assert.Empty(t, m)
}

// Scan gives the pairs in order with their kinds, stops reading at
// MaxKeys, and allocates nothing.
func TestScan(t *testing.T) {
	var got []string
	ok := jsonread.Scan(`{"a":"x","b":true,"c":false,"d":null,"e":""}`, func(k, v string, kind jsonread.Kind) {
		got = append(got, k+"="+v+"/"+string('0'+byte(kind)))
	})
	require.True(t, ok)
	assert.Equal(t, []string{"a=x/0", "b=true/1", "c=false/2", "d=null/3", "e=/0"}, got)

	many := "{"
	for i := range jsonread.MaxKeys + 1 {
		if i > 0 {
			many += ","
		}
		many += fmt.Sprintf(`"k%d":"v"`, i)
	}
	many += "}"
	assert.False(t, jsonread.Scan(many, func(string, string, jsonread.Kind) {}), "more than MaxKeys: left to encoding/json")
	var want map[string]any
	require.NoError(t, json.Unmarshal([]byte(many), &want))
	assert.Len(t, want, jsonread.MaxKeys+1)

	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		jsonread.Scan(`{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`, func(string, string, jsonread.Kind) { n++ })
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
		got, ok := jsonread.Parse(body)
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
//	go test -run '^$' -bench . -benchmem ./internal/jsonread
func BenchmarkScan(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for range b.N {
		if !jsonread.Scan(benchBody, func(string, string, jsonread.Kind) { n++ }) {
			b.Fatal("not read")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		if _, ok := jsonread.Parse(benchBody); !ok {
			b.Fatal("not read")
		}
	}
}

const benchBody = `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14151112222"}`
