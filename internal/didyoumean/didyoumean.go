package didyoumean

import "strings"

// Closest returns the option nearest to word when word is a likely
// misspelling of it (at most two edits, or only case or '-' and '_'
// differ), else "". On a tie the earlier option wins.
func Closest(word string, options []string) string {
	w := fold(word)
	best, bestDist := "", 3
	for _, o := range options {
		f := fold(o)
		if f == w {
			return o
		}
		if d := distance(w, f); d < bestDist {
			best, bestDist = o, d
		}
	}
	if len(w) <= 2 && bestDist > 0 {
		return "" // every option is two edits from a two-letter word
	}
	return best
}

// fold makes case and the two word separators not count as edits:
// bad_role and Bad-Role both mean bad-role.
func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// distance is the Levenshtein distance of two short strings.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
