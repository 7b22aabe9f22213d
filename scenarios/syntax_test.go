package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSyntaxErrorsPointAndHint: a file that is not YAML is refused at the
// line and column where the problem shows (not where yaml.v3's enclosing
// construct started), with what usually causes it.
func TestSyntaxErrorsPointAndHint(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"colon in a value", "version: 1\nname: a: b\n",
			`f.yaml:2:8: mapping values are not allowed in this context: a value holding ": " must be quoted ("a: b"); or this line is indented deeper than the key above it`},
		{"indented too deep", "version: 1\nname: x\n  description: y\n",
			`f.yaml:3:3: mapping values are not allowed in this context: this line is indented deeper than the key above it, which already has a value`},
		{"indented too little", "version: 1\nrules:\n- name: a\n  respond:\n    status: 500\n  times: 1\n bad: 1\n",
			`f.yaml:7:2: did not find expected key: this line's indentation lines up with no key above it: keys of one mapping start in the same column (spaces only)`},
		{"an at sign", "version: 1\nrules:\n  - name: @x\n",
			"f.yaml:3:11: found character that cannot start any token: a value starting with @, `, % (or a stray | or >) must be quoted"},
		{"a backquote", "version: 1\nname: `x`\n",
			"f.yaml:2:7: found character that cannot start any token: a value starting with @, `, % (or a stray | or >) must be quoted"},
		{"an unclosed quote", "version: 1\nname: x\ndescription: \"abc\n",
			`f.yaml:3:14: found unexpected end of stream: the quote opened here is never closed`},
		{"a quote inside quotes", "version: 1\nname: 'it's'\n",
			`f.yaml:2:7: did not find expected key: a quote in a quoted value: write '' inside '...', or \" inside "..."`},
		{"an unclosed flow mapping", "version: 1\nrules:\n  - name: a\n    respond: {status: 500\n  - name: b\n",
			`f.yaml:4:14: did not find expected ',' or '}': the [ or { opened here is not closed (or a ',' is missing between its items)`},
		{"a key without a colon", "version: 1\nname: x\ndescription\nrules: []\n",
			`f.yaml:3:1: could not find expected ':': a key needs ": " after it; a value on several lines must be quoted`},
		{"a list on its key's line", "version: 1\nrules: - name: a\n",
			`f.yaml:2:8: block sequence entries are not allowed in this context: a list of "- " items starts on the line after its key, indented`},
		{"an alias with no anchor", "version: 1\nname: *foo\n",
			`f.yaml:2:7: unknown anchor 'foo' referenced: an alias *name needs an anchor &name before it; a value starting with * must be quoted`},
		{"a tab", "version: 1\nrules:\n\t- name: a\n",
			`f.yaml:3:1: YAML does not allow tabs for indentation: indent with spaces`},
		// A flow list over several lines is YAML: the error after it is
		// still placed at its own line.
		{"after a multi-line list", "version: 1\nrules: [\n  {name: a},\n  {name: b}]\nname: a: b\n",
			`f.yaml:5:8: mapping values are not allowed in this context: a value holding ": " must be quoted ("a: b"); or this line is indented deeper than the key above it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			require.ErrorIs(t, err, ErrSyntax)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
