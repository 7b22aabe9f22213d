package postman

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phlomock/phlomock/internal/jsontype"
)

// ErrNotCollection means the document is JSON but not a Postman collection.
var ErrNotCollection = errors.New("not a postman collection")

// ParseError is a malformed collection. Line and Column (1-based) locate the
// problem in the input when it is known; Path names the item (folders and
// item names joined by "/") when the problem is inside one.
type ParseError struct {
	Line, Column int
	Path         string
	Err          error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, "item %q: ", e.Path)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// jsonError locates a decoding error in data.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the offending byte; point at it.
		line, col := position(data, int(syn.Offset)-1)
		return &ParseError{Line: line, Column: col, Err: err}
	case errors.As(err, &typ):
		line, col := position(data, int(typ.Offset))
		msg := fmt.Errorf("%s: want %s, got %s", typ.Field, jsontype.Name(typ.Type), typ.Value)
		if typ.Field == "" {
			msg = fmt.Errorf("want %s, got %s", jsontype.Name(typ.Type), typ.Value)
		}
		return &ParseError{Line: line, Column: col, Err: msg}
	case errors.Is(err, io.EOF):
		line, col := position(data, len(data))
		return &ParseError{Line: line, Column: col, Err: errors.New("empty document")}
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, len(data))
		return &ParseError{Line: line, Column: col, Err: errors.New("the collection ends before it is complete")}
	}
	return &ParseError{Err: err}
}

func typeError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return fmt.Errorf("want %s, got %s", jsontype.Name(typ.Type), typ.Value)
		}
		return fmt.Errorf("%s: want %s, got %s", typ.Field, jsontype.Name(typ.Type), typ.Value)
	}
	return err
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 0 {
		offset = 0
	}
	line = 1 + bytes.Count(data[:offset], []byte("\n"))
	col = offset - bytes.LastIndexByte(data[:offset], '\n')
	return line, col
}
