package redisstore

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/internal/jsonstr"
	"github.com/phlomock/phlomock/mockserver"
)

// appendEntry appends e as JSON that decodes (encoding/json, into
// mockserver.Entry) to e, without its Seq (the stream ID is its number).
// It is written by hand because the writer encodes every request's entry
// on the cores the requests run on: encoding/json's reflection took 5.6 us
// of the seed's entry (570 bytes), this about a fifth of it
// (BenchmarkEncodeEntry). The rare parts (violations, the closest
// misses) still go through encoding/json. TestEncodeEntry checks both
// decode alike.
func appendEntry(b []byte, e *mockserver.Entry) []byte {
	b = append(b, `{"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","method":`...)
	b = appendString(b, e.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, e.Path)
	if e.RawQuery != "" {
		b = append(b, `,"raw_query":`...)
		b = appendString(b, e.RawQuery)
	}
	b = append(b, `,"header":`...)
	if e.Header == nil {
		b = append(b, "null"...)
	} else {
		b = appendHeader(b, e.Header)
	}
	b = append(b, `,"body":`...)
	b = appendString(b, e.Body)
	if e.BodyBase64 != "" {
		b = append(b, `,"body_base64":`...)
		b = appendString(b, e.BodyBase64)
	}
	if e.BodyTruncated {
		b = append(b, `,"body_truncated":true`...)
	}
	if e.BodySize != 0 {
		b = append(b, `,"body_size":`...)
		b = strconv.AppendInt(b, int64(e.BodySize), 10)
	}
	if e.AuthID != "" {
		b = append(b, `,"auth_id":`...)
		b = appendString(b, e.AuthID)
	}
	if e.OperationID != "" {
		b = append(b, `,"operation_id":`...)
		b = appendString(b, e.OperationID)
	}
	if len(e.PathParams) > 0 {
		b = append(b, `,"path_params":`...)
		b = appendObject(b, e.PathParams, appendString)
	}
	if len(e.Lenient) > 0 {
		b = append(b, `,"lenient":`...)
		b = appendStrings(b, e.Lenient)
	}
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, e.Valid)
	if len(e.Violations) > 0 {
		b = appendJSON(b, `,"violations":`, e.Violations)
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	switch {
	case len(e.Answer) == 0:
	case json.Valid(e.Answer):
		b = append(b, `,"answer":`...)
		b = append(b, e.Answer...)
	default:
		// Not JSON (a scenario's verbatim page): its bytes in base64, so
		// that a reader gets the answer sent (decodeEntry), where
		// AnswerBody's JSON string could not be told from a JSON string
		// answer.
		b = append(b, `,"answer_raw":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Answer)
		b = append(b, '"')
	}
	if e.AnswerTruncated {
		b = append(b, `,"answer_truncated":true`...)
	}
	if e.AnswerSize != 0 {
		b = append(b, `,"answer_size":`...)
		b = strconv.AppendInt(b, int64(e.AnswerSize), 10)
	}
	b = append(b, `,"source":`...)
	b = appendString(b, e.Source)
	if e.Scenario != "" {
		b = append(b, `,"scenario":`...)
		b = appendString(b, e.Scenario)
	}
	if e.Rule != "" {
		b = append(b, `,"rule":`...)
		b = appendString(b, e.Rule)
	}
	if e.CallSeq != 0 {
		b = append(b, `,"call_seq":`...)
		b = strconv.AppendUint(b, e.CallSeq, 10)
	}
	if e.Closest != nil {
		b = appendJSON(b, `,"closest":`, e.Closest)
	}
	if e.ClosestRule != nil {
		b = appendJSON(b, `,"closest_rule":`, e.ClosestRule)
	}
	b = append(b, `,"duration_ns":`...)
	b = strconv.AppendInt(b, int64(e.Duration), 10)
	return append(b, '}')
}

func appendHeader(b []byte, h map[string][]string) []byte {
	return appendObject(b, h, appendStrings)
}

// appendObject appends m as a JSON object, its keys sorted (as
// encoding/json does), each value by appendValue.
func appendObject[V any](b []byte, m map[string]V, appendValue func([]byte, V) []byte) []byte {
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendValue(b, m[k])
	}
	return append(b, '}')
}

// appendJSON appends key and v in JSON (v is plain data: it cannot fail;
// if it did, the field is left out rather than the entry broken).
func appendJSON(b []byte, key string, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return append(append(b, key...), raw...)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. <, > and & are kept as they
// are: an entry of a body of "<" stays a byte a character in the store.
func appendString(b []byte, s string) []byte { return jsonstr.Append(b, s, false) }
