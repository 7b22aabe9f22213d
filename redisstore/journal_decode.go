package redisstore

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/mockserver"
)

// An entryDecoder reads the entries of one read of the stream, the JSON
// appendEntry writes, with a jsonread.Reader: encoding/json was 86% of
// reading a full 100,000-entry journal (BenchmarkJournalStoreReadFull).
// Entries share equal header and path-parameter maps, as the ring's do
// (read-only). It reads an entry as unmarshalEntry does or not at all:
// anything else (an unknown key, a key twice, a value of another kind)
// makes decode false, and the caller uses encoding/json.
type entryDecoder struct {
	headers map[string]http.Header
	params  map[string]map[string]string
}

// maxShared bounds the shared maps of one read.
const maxShared = 1024

func (d *entryDecoder) decode(s string, e *mockserver.Entry) bool {
	r := jsonread.NewReader(s)
	if !r.Delim('{') {
		return false
	}
	// seen is the keys read, a bit each: encoding/json merges a map read
	// twice, so a key twice is left to it.
	var seen uint64
	var answerRaw []byte
	if !r.Delim('}') {
		for {
			key, ok := r.ReadString()
			if !ok || !r.Delim(':') {
				return false
			}
			bit, ok := d.field(&r, key, e, &answerRaw)
			if !ok || seen&(1<<bit) != 0 {
				return false
			}
			seen |= 1 << bit
			if !r.Delim(',') {
				break
			}
		}
		if !r.Delim('}') {
			return false
		}
	}
	if answerRaw != nil { // as unmarshalEntry: it wins over answer
		e.Answer = answerRaw
	}
	return r.End()
}

// field reads key's value into e, and returns the key's bit in decode's
// set.
func (d *entryDecoder) field(r *jsonread.Reader, key string, e *mockserver.Entry, answerRaw *[]byte) (bit uint, ok bool) {
	switch key {
	case "seq":
		bit = 1
		e.Seq, ok = r.ReadUint(64)
	case "time":
		// time.Time's UnmarshalJSON reads the string's text as it is (an
		// escape fails it): a string with one is left to encoding/json.
		bit = 2
		var v string
		if v, ok = r.ReadPlainString(); ok {
			var buf [64]byte
			ok = e.Time.UnmarshalText(append(buf[:0], v...)) == nil
		}
	case "method":
		bit = 3
		e.Method, ok = r.ReadString()
	case "path":
		bit = 4
		e.Path, ok = r.ReadString()
	case "raw_query":
		bit = 5
		e.RawQuery, ok = r.ReadString()
	case "header":
		bit = 6
		e.Header, ok = shared(r, &d.headers, readHeader)
	case "body":
		bit = 7
		e.Body, ok = r.ReadString()
	case "body_base64":
		bit = 8
		e.BodyBase64, ok = r.ReadString()
	case "body_truncated":
		bit = 9
		e.BodyTruncated, ok = r.ReadBool()
	case "body_size":
		bit = 10
		e.BodySize, ok = readInt(r)
	case "auth_id":
		bit = 11
		e.AuthID, ok = r.ReadString()
	case "operation_id":
		bit = 12
		e.OperationID, ok = r.ReadString()
	case "path_params":
		bit = 13
		e.PathParams, ok = shared(r, &d.params, readParams)
	case "lenient":
		bit = 14
		e.Lenient, ok = readStrings(r)
	case "note":
		bit = 15
		e.Note, ok = r.ReadString()
	case "valid":
		bit = 16
		e.Valid, ok = r.ReadBool()
	case "violations":
		bit = 17
		ok = decodeJSON(r, &e.Violations)
	case "status":
		bit = 18
		e.Status, ok = readInt(r)
	case "answer":
		// AnswerBody.UnmarshalJSON keeps the value's text; null too, which
		// is left to it.
		bit = 19
		var raw string
		if raw, ok = r.ReadValue(); ok && raw != "null" {
			e.Answer = mockserver.AnswerBody(raw)
		} else {
			ok = false
		}
	case "answer_raw": // an answer that is not JSON, its bytes in base64
		bit = 20
		var v string
		if v, ok = r.ReadString(); ok {
			b, err := base64.StdEncoding.DecodeString(v)
			*answerRaw, ok = b, err == nil
		}
	case "answer_truncated":
		bit = 21
		e.AnswerTruncated, ok = r.ReadBool()
	case "answer_size":
		bit = 22
		e.AnswerSize, ok = readInt(r)
	case "source":
		bit = 23
		e.Source, ok = r.ReadString()
	case "scenario":
		bit = 24
		e.Scenario, ok = r.ReadString()
	case "rule":
		bit = 25
		e.Rule, ok = r.ReadString()
	case "call_seq":
		bit = 26
		e.CallSeq, ok = r.ReadUint(64)
	case "closest":
		bit = 27
		ok = decodeJSON(r, &e.Closest)
	case "closest_rule":
		bit = 28
		ok = decodeJSON(r, &e.ClosestRule)
	case "duration_ns":
		bit = 29
		var n int64
		n, ok = r.ReadInt(64)
		e.Duration = time.Duration(n)
	}
	return bit, ok
}

// shared reads a map, null as nil, and returns the read's map of the same
// JSON text when there is one: most entries repeat a few header sets and
// path parameters, read once.
func shared[M any](r *jsonread.Reader, cache *map[string]M, read func(*jsonread.Reader) (M, bool)) (M, bool) {
	var zero M
	raw, ok := r.ReadValue()
	switch {
	case !ok:
		return zero, false
	case raw == "null":
		return zero, true
	}
	if m, ok := (*cache)[raw]; ok {
		return m, true
	}
	sub := jsonread.NewReader(raw)
	m, ok := read(&sub)
	if !ok || !sub.End() {
		return zero, false
	}
	if *cache == nil {
		*cache = map[string]M{}
	}
	if len(*cache) < maxShared {
		(*cache)[raw] = m
	}
	return m, true
}

func readInt(r *jsonread.Reader) (int, bool) {
	n, ok := r.ReadInt(strconv.IntSize)
	return int(n), ok
}

// readStrings reads an array of strings, null as nil.
func readStrings(r *jsonread.Reader) ([]string, bool) {
	if r.Peek() == 'n' {
		return nil, r.ReadNull()
	}
	if !r.Delim('[') {
		return nil, false
	}
	out := []string{}
	if r.Delim(']') {
		return out, true
	}
	for {
		s, ok := r.ReadString()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if !r.Delim(',') {
			return out, r.Delim(']')
		}
	}
}

// readObject reads an object, each value by read.
func readObject[V any](r *jsonread.Reader, read func(*jsonread.Reader) (V, bool)) (map[string]V, bool) {
	if !r.Delim('{') {
		return nil, false
	}
	m := map[string]V{}
	if r.Delim('}') {
		return m, true
	}
	for {
		k, ok := r.ReadString()
		if !ok || !r.Delim(':') {
			return nil, false
		}
		v, ok := read(r)
		if !ok {
			return nil, false
		}
		m[k] = v
		if !r.Delim(',') {
			return m, r.Delim('}')
		}
	}
}

func readHeader(r *jsonread.Reader) (http.Header, bool) { return readObject(r, readStrings) }

func readParams(r *jsonread.Reader) (map[string]string, bool) {
	return readObject(r, (*jsonread.Reader).ReadString)
}

// decodeJSON reads a value into v with encoding/json (the rare fields).
func decodeJSON(r *jsonread.Reader, v any) bool {
	raw, ok := r.ReadValue()
	return ok && json.Unmarshal([]byte(raw), v) == nil
}
