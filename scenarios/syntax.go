package scenarios

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// syntaxError places yaml's error at a line and column, with a hint. A tab
// in a line's indentation, which YAML forbids and yaml.v3 reports as a
// character that "cannot start any token", is named as such. yaml.v3 gives
// a line only, and for a parser error the line where the enclosing
// construct started: the line is found again as the first one at which the
// file, cut there, fails with the same message (where the problem shows),
// then the column and the hint from what that message means on that line.
func syntaxError(file string, data []byte, err error) error {
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if col := strings.IndexByte(indent, '\t'); col >= 0 && strings.TrimSpace(line) != "" {
			return &ParseError{File: file, Line: i + 1, Column: col + 1, Msg: "YAML does not allow tabs for indentation: indent with spaces", Err: ErrSyntax}
		}
	}
	line, msg := yamlMessage(err)
	if l := failsFrom(lines, msg); l > 0 {
		line = l
	}
	col, hint := 0, ""
	if line > 0 && line <= len(lines) {
		col, hint = explain(lines[line-1], msg)
	}
	if hint != "" {
		msg += ": " + hint
	}
	return &ParseError{File: file, Line: line, Column: col, Msg: msg, Err: ErrSyntax}
}

// yamlMessage splits yaml.v3's "yaml: line N: msg".
func yamlMessage(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, convErr := strconv.Atoi(n); convErr == nil {
				return l, after
			}
		}
	}
	return 0, msg
}

// maxSyntaxLines bounds the search of failsFrom (a parse per line).
const maxSyntaxLines = 2000

// failsFrom is the first line at which lines, cut after it, fail to
// decode with msg; 0 when none does.
func failsFrom(lines []string, msg string) int {
	if len(lines) > maxSyntaxLines {
		return 0
	}
	for l := 1; l <= len(lines); l++ {
		dec := yaml.NewDecoder(strings.NewReader(strings.Join(lines[:l], "\n") + "\n"))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if err == nil {
				continue
			}
			if _, m := yamlMessage(err); !errors.Is(err, io.EOF) && m == msg {
				return l
			}
			break
		}
	}
	return 0
}

// explain is the column on line where yaml's msg applies, and what usually
// causes it.
func explain(line, msg string) (int, string) {
	first := len(line) - len(strings.TrimLeft(line, " ")) + 1 // the first character
	value := first                                            // the value after "key: " or "- "
	if i := strings.Index(line, ": "); i >= 0 {
		value = i + 3
	} else if strings.HasPrefix(strings.TrimSpace(line), "- ") {
		value = first + 2
	}
	switch {
	case msg == "mapping values are not allowed in this context":
		if i := strings.Index(line, ": "); i >= 0 {
			if j := strings.Index(line[i+2:], ": "); j >= 0 || strings.HasSuffix(line, ":") {
				if j < 0 {
					j = len(line[i+2:]) - 1
				}
				return i + 2 + j + 1, `a value holding ": " must be quoted ("a: b"); or this line is indented deeper than the key above it`
			}
		}
		return first, "this line is indented deeper than the key above it, which already has a value"
	case msg == "found character that cannot start any token":
		if i := strings.IndexAny(line[min(value-1, len(line)):], "@`%|>"); i >= 0 {
			return value + i, "a value starting with @, `, % (or a stray | or >) must be quoted"
		}
		return value, "a value starting with @, ` or % must be quoted"
	case msg == "did not find expected key", msg == "did not find expected '-' indicator":
		if strings.Count(line, "'")%2 == 1 || strings.Count(line, `"`)%2 == 1 {
			return value, `a quote in a quoted value: write '' inside '...', or \" inside "..."`
		}
		return first, "this line's indentation lines up with no key above it: keys of one mapping start in the same column (spaces only)"
	case msg == "could not find expected ':'":
		return first, `a key needs ": " after it; a value on several lines must be quoted`
	case strings.HasPrefix(msg, "did not find expected ',' or"):
		if i := strings.LastIndexAny(line, "[{"); i >= 0 {
			return i + 1, "the [ or { opened here is not closed (or a ',' is missing between its items)"
		}
		return first, "a [ or { is not closed (or a ',' is missing between its items)"
	case msg == "found unexpected end of stream":
		if i := strings.LastIndexAny(line, `"'`); i >= 0 {
			return i + 1, "the quote opened here is never closed"
		}
		return first, "a quote, [ or { opened here is never closed"
	case msg == "block sequence entries are not allowed in this context":
		if i := strings.Index(line, "- "); i >= 0 {
			return i + 1, "a list of \"- \" items starts on the line after its key, indented"
		}
	case msg == "did not find expected node content":
		return value, "a value is missing here (an unclosed [ or {, or a stray , or :)"
	case strings.HasPrefix(msg, "unknown anchor"):
		if i := strings.Index(line, "*"); i >= 0 {
			return i + 1, "an alias *name needs an anchor &name before it; a value starting with * must be quoted"
		}
	}
	return first, ""
}
