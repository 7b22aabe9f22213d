package jsonread_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/jsonread"
)

// Strings come back as encoding/json decodes them: escapes, surrogate
// pairs and lone halves, and bytes that are not UTF-8.
func TestReadString(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"plain", `"abc"`, "abc"},
		{"white space around", " \t\n\"a\" ", "a"},
		{"empty", `""`, ""},
		{"escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t"},
		{"unicode escape", `"\u00e9\u2028"`, "é\u2028"},
		{"surrogate pair", `"\ud83d\ude00"`, "\U0001F600"},
		{"lone high surrogate", `"\ud83dx"`, "\uFFFDx"},
		{"lone low surrogate", `"\ude00"`, "\uFFFD"},
		{"high then not low", `"\ud83d\u0041"`, "\uFFFDA"},
		{"high then high", `"\ud83d\ud83d\ude00"`, "\uFFFD\U0001F600"},
		{"bad UTF-8", "\"a\xffb\"", "a\uFFFDb"},
		{"encoded surrogate", "\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD"},
		{"bad UTF-8 and escape", "\"\xc3\\n\"", "\uFFFD\n"},
		{"U+FFFD itself", "\"\xef\xbf\xbd\"", "\uFFFD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := jsonread.NewReader(tt.text)
			got, ok := r.ReadString()
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
			assert.True(t, r.End())
			var want string
			require.NoError(t, json.Unmarshal([]byte(tt.text), &want))
			assert.Equal(t, want, got, "encoding/json")
		})
	}
	for _, text := range []string{``, `"`, `"abc`, `abc`, "\"a\x01\"", `"\q"`, `"\u12"`, `"\u12g4"`, `"\`, `null`} {
		r := jsonread.NewReader(text)
		_, ok := r.ReadString()
		assert.False(t, ok, "%q", text)
	}
}

// A plain string is one encoding/json returns as it is: no escape, only
// UTF-8.
func TestReadPlainString(t *testing.T) {
	r := jsonread.NewReader(`"abc é"`)
	got, ok := r.ReadPlainString()
	require.True(t, ok)
	assert.Equal(t, "abc é", got)
	for _, text := range []string{`"\n"`, "\"\xff\"", "\"\x01\"", `1`} {
		r := jsonread.NewReader(text)
		_, ok := r.ReadPlainString()
		assert.False(t, ok, "%q", text)
	}
}

// ReadValue keeps a value's text, checked as encoding/json checks it.
func TestReadValue(t *testing.T) {
	for _, text := range []string{
		`{}`, `[]`, `{"a":[1,-0.5e+3,true,false,null,"\u0041"],"b":{"c":{}}}`, "{\n  \"a\": 1\n}", `0`, `-1.5E-7`, "\"\xff\"",
	} {
		r := jsonread.NewReader(" " + text + " ")
		got, ok := r.ReadValue()
		require.True(t, ok, text)
		assert.Equal(t, text, got)
		assert.True(t, r.End())
	}
	for _, text := range []string{
		`{`, `[1,]`, `{"a":1,}`, `{"a"}`, `{1:2}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `"\x"`, `[1 2]`, `{"a":1 "b":2}`,
		strings.Repeat("[", jsonread.MaxDepth+1) + strings.Repeat("]", jsonread.MaxDepth+1),
	} {
		r := jsonread.NewReader(text)
		_, ok := r.ReadValue()
		assert.False(t, ok && r.End(), "%q", text)
	}
	deep := strings.Repeat("[", jsonread.MaxDepth) + strings.Repeat("]", jsonread.MaxDepth)
	r := jsonread.NewReader(deep)
	_, ok := r.ReadValue()
	assert.True(t, ok, "MaxDepth deep")
}

// Integers read as encoding/json reads them into an int64 or a uint8.
func TestReadInt(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int64
		ok   bool
	}{
		{`0`, 0, true}, {`-0`, 0, true}, {`42`, 42, true}, {`-9223372036854775808`, -1 << 63, true},
		{`9223372036854775808`, 0, false}, {`1.0`, 0, false}, {`1e2`, 0, false}, {`"1"`, 0, false},
	} {
		r := jsonread.NewReader(tt.text)
		got, ok := r.ReadInt(64)
		assert.Equal(t, tt.ok, ok, tt.text)
		assert.Equal(t, tt.want, got, tt.text)
	}
	r := jsonread.NewReader(`01`)
	_, ok := r.ReadInt(64)
	assert.False(t, ok && r.End(), "01 is two tokens")
	r = jsonread.NewReader(`256`)
	_, ok = r.ReadUint(8)
	assert.False(t, ok, "256 overflows a uint8")
}

// FuzzReadString: a string the Reader reads, encoding/json reads the
// same; and every text encoding/json reads as a string, the Reader reads.
func FuzzReadString(f *testing.F) {
	for _, s := range []string{`"a"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83d\u0041"`, "\"\xff\"", `"\"\\\/\b\f\n\r\t"`, `" "`, `"\u"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := jsonread.NewReader(text)
		got, ok := r.ReadString()
		ok = ok && r.End()
		var want string
		err := json.Unmarshal([]byte(text), &want)
		if ok {
			require.NoError(t, err, "%q", text)
			assert.Equal(t, want, got, "%q", text)
		}
		if err == nil && strings.TrimSpace(text) != "null" {
			assert.True(t, ok, "encoding/json reads %q as %q, the Reader does not", text, want)
		}
		r = jsonread.NewReader(text)
		if plain, ok := r.ReadPlainString(); ok && r.End() {
			assert.Equal(t, want, plain, "%q", text)
			assert.Equal(t, strings.TrimSpace(text), `"`+plain+`"`, "a plain string is its text")
		}
	})
}

// FuzzReadValue: a value the Reader reads is valid JSON, kept as it is;
// and every valid JSON text not too deep, the Reader reads.
func FuzzReadValue(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2]`, `{"a":{"b":[true,false,null]}}`, `-1.5e3`, `"\u0041"`, `[`, `01`, ` 1 `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := jsonread.NewReader(text)
		got, ok := r.ReadValue()
		ok = ok && r.End()
		valid := json.Valid([]byte(text))
		if ok {
			assert.True(t, valid, "%q", text)
			assert.Equal(t, strings.Trim(text, " \t\r\n"), got)
		}
		if valid && strings.Count(text, "[")+strings.Count(text, "{") <= jsonread.MaxDepth {
			assert.True(t, ok, "encoding/json reads %q, the Reader does not", text)
		}
		r = jsonread.NewReader(text)
		n, ok := r.ReadInt(64)
		if ok && r.End() {
			var want int64
			require.NoError(t, json.Unmarshal([]byte(text), &want), "%q", text)
			assert.Equal(t, want, n)
		}
	})
}
