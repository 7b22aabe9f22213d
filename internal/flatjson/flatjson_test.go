package flatjson_test

import (
	"encoding/json"
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
