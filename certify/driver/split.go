package driver

import (
	"fmt"
	"strings"
)

// SplitCommand splits a command line into words the way a POSIX shell
// would, without running one: words are separated by blanks; single quotes
// keep everything literally; double quotes keep blanks and honour a
// backslash before ", \, $ and `; outside quotes a backslash escapes the
// next character. Variables, globs and operators are not interpreted.
func SplitCommand(line string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range line {
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case escaped:
		return nil, fmt.Errorf("%w: %q ends with a backslash", ErrCommand, line)
	case quote != 0:
		return nil, fmt.Errorf("%w: %q has an unterminated %c quote", ErrCommand, line, quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%w: empty command", ErrCommand)
	}
	return words, nil
}
