package redisstore

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/mockserver"
)

// encodeCases are entries with every field, the rare ones and the strings
// JSON must escape.
func encodeCases() map[string]*mockserver.Entry {
	seed := &mockserver.Entry{
		Seq: 7, Time: time.Date(2026, 12, 3, 13, 20, 13, 421456486, time.UTC), Method: "POST",
		Path:   "/v1/phlo/P1/multi_party_call/N1",
		Header: http.Header{"Authorization": {"Basic MAPHLOMOCKDEFAULT001:[redacted]"}, "Content-Type": {"application/json"}},
		Body:   `{"action":"call","to":"+14152225555","role":"agent"}`, AuthID: "MAPHLOMOCKDEFAULT001",
		OperationID: "updateMultiPartyCall", PathParams: map[string]string{"phlo_id": "P1", "node_id": "N1"},
		Valid: true, Status: 201, Answer: []byte(`{"api_id":"fd3ec3e7","error":""}`), Source: "spec", Duration: 55022,
	}
	return map[string]*mockserver.Entry{
		"seed":  seed,
		"empty": {},
		"everything": {
			Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Method: "GET", Path: "/p", RawQuery: "a=1&b=%22",
			Header: http.Header{"X-Many": {"a", "b"}, "X-Nil": nil, "X-Esc": {"tab\there \"q\" \\ \x01 <&> \u2028 é"}},
			Body:   "\x00\x1f line\nbreak\r", BodyBase64: "AAE=", BodyTruncated: true, BodySize: 70000,
			AuthID: "id", OperationID: "op", Lenient: []string{"role \"\" taken as agent"},
			Violations: []mockserver.Violation{{Code: "invalid-value", Pointer: "/role", Field: "role", Message: "bad"}},
			Status:     404, Answer: []byte("<html>not JSON</html>"), AnswerTruncated: true, AnswerSize: 99999,
			Source: "responder", Scenario: "s", Rule: "r", CallSeq: 3,
			Closest:     &mockserver.Miss{Differences: []string{"segment 6"}},
			ClosestRule: &mockserver.RuleMiss{Scenario: "s", Rule: "r", Differences: []string{"body.action: got \"hold\""}},
			Duration:    time.Second,
		},
		"not UTF-8":      {Body: "bad \xff\xfe bytes", Header: http.Header{"X-Bad": {"\xc3"}}, Answer: []byte("\xff")},
		"answer spaced":  {Answer: []byte("{\n  \"a\": 1\n}")},
		"empty header":   {Header: http.Header{}},
		"many headers":   {Header: manyHeaders()},
		"zero duration":  {Status: 200, Valid: true},
		"negative sizes": {BodySize: -1, Status: -5},
	}
}

func manyHeaders() http.Header {
	h := http.Header{}
	for _, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R"} {
		h[k] = []string{k}
	}
	return h
}

// appendEntry's JSON, as a reader decodes it (decodeEntry), is what
// encoding/json's decodes to, Seq aside, but for an answer that is not
// JSON: the reader gets its bytes as sent, as from the ring. A reader
// encoding it again gets the same bytes.
func TestEncodeEntry(t *testing.T) {
	for name, e := range encodeCases() {
		t.Run(name, func(t *testing.T) {
			raw := appendEntry(nil, e)
			require.True(t, json.Valid(raw), "%s", raw)
			var want mockserver.Entry
			g, err := decodeEntry(new(entryDecoder), redis.XMessage{ID: "1-0", Values: map[string]any{"e": string(raw)}})
			require.NoError(t, err, "%s", raw)
			got := *g
			got.Seq = 0
			std, err := json.Marshal(e)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(std, &want))
			want.Seq = 0
			// A JSON answer decodes as its JSON token: the same JSON, not
			// always the same bytes (encoding/json compacts it and escapes
			// <, > and &); another, as the bytes sent.
			if json.Valid(e.Answer) {
				assert.JSONEq(t, string(want.Answer), string(got.Answer))
			} else {
				assert.Equal(t, []byte(e.Answer), []byte(got.Answer), "the answer as sent")
			}
			wantNoAnswer, gotNoAnswer := want, got
			wantNoAnswer.Answer, gotNoAnswer.Answer = nil, nil
			assert.Equal(t, wantNoAnswer, gotNoAnswer)
			again, err := json.Marshal(&got)
			require.NoError(t, err)
			want.Seq = 0
			stdAgain, err := json.Marshal(&want)
			require.NoError(t, err)
			assert.JSONEq(t, string(stdAgain), string(again))
		})
	}
}

// BenchmarkEncodeEntry: the seed's journal entry by encoding/json and by
// appendEntry.
//
//	go test -run '^$' -bench BenchmarkEncodeEntry -benchmem ./redisstore
func BenchmarkEncodeEntry(b *testing.B) {
	e := encodeCases()["seed"]
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_, _ = json.Marshal(e)
		}
	})
	b.Run("appendEntry", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for range b.N {
			buf = appendEntry(buf[:0], e)
		}
	})
}

// entryDecoder reads what appendEntry writes as encoding/json does
// (unmarshalEntry), and what else it reads, too; the rest it leaves to
// encoding/json.
func TestDecodeEntry(t *testing.T) {
	for name, e := range encodeCases() {
		t.Run(name, func(t *testing.T) {
			assertDecodesAlike(t, string(appendEntry(nil, e)))
		})
	}
	for _, raw := range []string{
		` { "time" : "2026-01-01T00:00:00Z" , "status":201 } `,
		`{"seq":3,"note":"n","path_params":null,"header":{"A":null},"lenient":[]}`,
		`{"b\u006fdy":"\ud83d\ude00 \ud83d"}`,
		`{"answer_raw":"QQ==","answer":{"a":1}}`,
		`{"answer_raw":""}`,
		`{"violations":null,"closest":{"differences":["x"]}}`,
	} {
		t.Run(raw, func(t *testing.T) { assertDecodesAlike(t, raw) })
	}
	for name, raw := range map[string]string{
		"unknown key":        `{"unknown":1}`,
		"a key in capitals":  `{"Method":"GET"}`,
		"a key twice":        `{"header":{"A":["1"]},"header":{"B":["2"]}}`,
		"string for number":  `{"status":"201"}`,
		"fraction for int":   `{"status":201.0}`,
		"leading zero":       `{"status":0201}`,
		"negative call_seq":  `{"call_seq":-1}`,
		"not closed":         `{"method":"GET"`,
		"after the end":      `{"method":"GET"}x`,
		"control character":  "{\"body\":\"\x01\"}",
		"bad escape":         `{"body":"\q"}`,
		"header not array":   `{"header":{"A":"b"}}`,
		"params not strings": `{"path_params":{"a":null}}`,
		"escape in time":     `{"time":"2026-01-01T00:00:00\u005a"}`,
		"lax time":           `{"time":"2026-01-01T00:00:00.Z"}`,
		"null answer":        `{"answer":null}`,
		"answer not JSON":    `{"answer":{"a":}}`,
		"null string":        `{"method":null}`,
	} {
		var d entryDecoder
		assert.False(t, d.decode(raw, new(mockserver.Entry)), name)
	}
}

// assertDecodesAlike: entryDecoder reads raw, as unmarshalEntry does.
func assertDecodesAlike(tb testing.TB, raw string) {
	tb.Helper()
	var want mockserver.Entry
	require.NoError(tb, unmarshalEntry(raw, &want), "%s", raw)
	var d entryDecoder
	var got mockserver.Entry
	require.True(tb, d.decode(raw, &got), "%s", raw)
	assert.Equal(tb, want, got, "%s", raw)
}

// FuzzDecodeEntry: an entry entryDecoder reads, encoding/json reads the
// same.
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range encodeCases() {
		f.Add(string(appendEntry(nil, e)))
	}
	f.Add(`{"answer_raw":"QQ==","answer":{"a":1}}`)
	f.Add(`{"header":{"A":["1"]},"header":{"B":["2"]}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var d entryDecoder
		var got mockserver.Entry
		if !d.decode(raw, &got) {
			return
		}
		var want mockserver.Entry
		require.NoError(t, unmarshalEntry(raw, &want), "%q", raw)
		assert.Equal(t, want, got, "%q", raw)
	})
}

// Strings come back as encoding/json reads them, escapes and bad UTF-8
// included.
func FuzzDecodeString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x1f\n\r\t", "é\u2028<&>", "bad \xff", "\xed\xa0\x80", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := string(appendString(nil, s))
		var want string
		require.NoError(t, json.Unmarshal([]byte(raw), &want))
		r := jsonread.NewReader(raw)
		got, ok := r.ReadString()
		require.True(t, ok, "%q", raw)
		assert.Equal(t, want, got)
		assert.True(t, r.End())
	})
}

// BenchmarkDecodeEntry reads the seed's entry as appendEntry writes it, by
// entryDecoder and by encoding/json.
//
//	go test -run '^$' -bench BenchmarkDecodeEntry -benchmem ./redisstore
func BenchmarkDecodeEntry(b *testing.B) {
	raw := string(appendEntry(nil, encodeCases()["seed"]))
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var e mockserver.Entry
			if err := unmarshalEntry(raw, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("entryDecoder", func(b *testing.B) {
		b.ReportAllocs()
		var d entryDecoder
		for range b.N {
			var e mockserver.Entry
			if !d.decode(raw, &e) {
				b.Fatal("not read")
			}
		}
	})
}
