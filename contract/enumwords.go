package contract

import (
	"strings"
	"unicode"
)

// The words an enum is tried with, outside it (enumCases,
// discriminatorCases). Sampling cannot prove that a server accepts no word
// outside an enum, so the candidates are the words a server most likely
// lets through, derived from the contract where it can be:
//
//   - the contract's own words: every other enum value, the parts of each
//     (warm_transfer: warm, transfer), the names of the request bodies'
//     properties and the literal segments of the paths: what a server
//     that mixes up fields or matches by substring accepts;
//   - the allowed values as a normalising server reads them: surrounded by
//     spaces, with their underscores as spaces, hyphens or nothing, in
//     camelCase (each kind once, on a value drawn with the seed);
//   - a few random words drawn with the seed: what a server with no enum
//     check at all accepts, whatever word it is;
//   - and last telephonyWords, the domain's words the contract does not
//     use (a role "supervisor"): no contract says them.
//
// What it cannot catch: a server that accepts exactly one extra word that
// is none of these (a private value, a misspelling of its own), since no
// finite sample holds every word.

// randomWords is how many random words each enum is tried with.
const randomWords = 3

// contractWords returns the words of the contract besides its enum
// values: the parts of the enum values, the request bodies' property
// names and the paths' literal segments, lower case, sorted.
func (d *deriver) contractWords() []string {
	seen := map[string]bool{}
	add := func(w string) {
		w = strings.ToLower(strings.TrimSpace(w))
		if len(w) >= 2 && !strings.ContainsAny(w, "{}") {
			seen[w] = true
		}
	}
	for _, v := range d.words {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '_' || r == '-' }) {
			add(part)
		}
	}
	for _, op := range d.ops {
		for _, seg := range strings.Split(op.path, "/") {
			if seg != "v1" {
				add(seg)
			}
		}
		for _, v := range d.variants[op.id] {
			if v.schema != nil {
				for name := range v.schema.Properties {
					add(name)
				}
			}
		}
	}
	return sortedKeys(seen)
}

// spellings are an allowed value as a normalising server reads it (trimmed,
// separators unified, camelCase folded), each kind once on a value drawn
// with the seed; named for the case ids.
func (d *deriver) spellings(allowed []string) [][2]string {
	var out [][2]string
	pick := func(vs []string) string { return vs[d.rnd.IntN(len(vs))] }
	v := pick(allowed)
	out = append(out, [2]string{"spaced", " " + v + " "}, [2]string{"tab", v + "\t"})
	var joined []string
	for _, a := range allowed {
		if strings.Contains(a, "_") {
			joined = append(joined, a)
		}
	}
	if len(joined) > 0 {
		j := pick(joined)
		out = append(out,
			[2]string{"space-separated", strings.ReplaceAll(j, "_", " ")},
			[2]string{"hyphenated", strings.ReplaceAll(j, "_", "-")},
			[2]string{"joined", strings.ReplaceAll(j, "_", "")},
			[2]string{"camel", camel(j)})
	}
	return out
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if p := []rune(parts[i]); len(p) > 0 {
			p[0] = unicode.ToUpper(p[0])
			parts[i] = string(p)
		}
	}
	return strings.Join(parts, "")
}

// randomWord is a lower-case word of 5 to 8 letters drawn with the seed.
func (d *deriver) randomWord() string {
	b := make([]byte, 5+d.rnd.IntN(4))
	for i := range b {
		b[i] = byte('a' + d.rnd.IntN(26))
	}
	return string(b)
}
