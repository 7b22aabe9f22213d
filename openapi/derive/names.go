package derive

import (
	"strings"
	"unicode"
)

var articles = map[string]bool{"a": true, "an": true, "the": true}

// words splits a name on anything that is not a letter or digit and drops
// the articles: "Hang up a member" -> [hang up member].
func words(name string) []string {
	fields := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := fields[:0]
	for _, f := range fields {
		if !articles[strings.ToLower(f)] {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// SchemaName is the UpperCamel form of an item name without articles:
// "Cold transfer a caller" -> "ColdTransferCaller".
func SchemaName(name string) string {
	var b strings.Builder
	for _, w := range words(name) {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// OperationID is the lowerCamel form of an item name without articles:
// "Get a PHLO" -> "getPhlo".
func OperationID(name string) string {
	s := SchemaName(name)
	if s == "" {
		return ""
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
