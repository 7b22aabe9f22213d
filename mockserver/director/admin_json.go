package director

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/internal/jsontype"
	"github.com/phlomock/phlomock/mockserver"
)

// decodeJSON decodes a control plane body strictly: one JSON value, no
// unknown field, at most MaxUploadBytes (413 above, as an upload: cut at the
// limit it would read as truncated JSON). On error it answers and returns
// false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Cannot read the body: "+err.Error()+".")
		return false
	}
	if len(data) > MaxUploadBytes {
		mockserver.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", MaxUploadBytes))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, next := dec.Token(); next != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Invalid JSON body: "+jsonProblem(err, v)+".")
		return false
	}
	return true
}

// jsonProblem words a decoding error of a control plane body in the body's
// own terms, field names and JSON kinds: encoding/json's messages name Go
// types ("Go struct field VerifyRequest.expect of type int").
func jsonProblem(err error, v any) string {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fmt.Sprintf("got %s, want %s", article(typ.Value), kindOf(typ.Type))
		}
		return fmt.Sprintf("%s: got %s, want %s", field, article(typ.Value), kindOf(typ.Type))
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "invalid character "))
	case errors.Is(err, io.EOF):
		return "the body is empty: want a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too soon"
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		fields := jsonFields(reflect.TypeOf(v))
		msg := fmt.Sprintf("unknown field %q: want %s", name, strings.Join(fields, ", "))
		if near := didyoumean.Closest(name, fields); near != "" {
			msg = fmt.Sprintf("unknown field %q (did you mean %q?): want %s", name, near, strings.Join(fields, ", "))
		}
		return msg
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func article(jsonKind string) string {
	switch jsonKind {
	case "array":
		return "a list"
	case "object", "string", "number", "bool":
		return "a " + jsonKind
	}
	if strings.HasPrefix(jsonKind, "number") {
		return "a number" // "number 1.5": a fraction where an integer goes
	}
	return jsonKind
}

// kindOf is the JSON kind that a Go type decodes from, with its article
// (jsontype.Name's words, but for lists, booleans and any value).
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(kindOf(t.Elem()), "a "), "an ") + "s"
	case reflect.Bool:
		return "true or false"
	case reflect.Interface:
		return "a JSON value"
	}
	switch n := jsontype.Name(t); n {
	case "object", "integer":
		return "an " + n
	case "JSON value":
		return "another value"
	default:
		return "a " + n
	}
}

// jsonFields lists the JSON names of a struct's fields, embedded ones
// included, in order.
func jsonFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// ErrorsPage is a control plane error with every problem listed: the
// parse errors of an upload (file:line:column: message), unknown names.
type ErrorsPage struct {
	APIID  string   `json:"api_id"`
	Error  string   `json:"error"`
	Errors []string `json:"errors"`
}

// statusOf is the status of a control plane request that failed with err:
// 503 for the store's errors, else 400 (the request's).
func statusOf(err error) int {
	if errors.As(err, new(*StoreError)) {
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// writeStoreError answers 503 {api_id, error} naming the store.
func writeStoreError(w http.ResponseWriter, err error) {
	mockserver.WriteError(w, http.StatusServiceUnavailable, storeMessage(err))
}

func writeErrors(w http.ResponseWriter, status int, err error) {
	list := flatten(err)
	mockserver.WriteJSON(w, status, ErrorsPage{APIID: mockserver.NewAPIID(), Error: strings.Join(list, "\n"), Errors: list})
}

// flatten lists the leaves of joined errors (scenarios joins per file, then
// per problem).
func flatten(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
