package mockserver

import (
	"fmt"
	"slices"
	"strings"
)

// A Route is an operation the fake serves: its id, method and path template.
type Route struct {
	OperationID string `json:"operation_id"`
	Method      string `json:"method"`
	Path        string `json:"path"` // the template, e.g. /v1/phlo/{phlo_id}
}

// A Miss explains a request that matched no operation, in Hoverfly's
// manner: the operation it came closest to and what differed.
type Miss struct {
	Route
	// Differences says, one line each, what the request would have to
	// change to match: the method, a segment, a missing or extra segment.
	Differences []string `json:"differences"`
}

// closestRoute returns the route nearest to method and path, nil when there is
// none. Paths are compared segment by segment (an edit distance where a
// template segment such as {phlo_id} matches any non-empty segment); a wrong
// method counts less than a wrong segment, so "same path, other method" is
// always the nearest.
func closestRoute(routes []Route, method, path string) *Miss {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	got := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var best *Miss
	bestCost, bestLiterals, bestSpelled := 0, 0, 0
	for _, r := range routes {
		want := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		dist, diffs := segmentDiff(got, want)
		cost := 2 * dist
		if !strings.EqualFold(method, r.Method) {
			cost++
			diffs = append([]string{fmt.Sprintf("method: got %s, want %s", method, r.Method)}, diffs...)
		}
		// Between equally distant routes, the one sharing more literal
		// segments with the request (members, multi_party_call) is nearer.
		literals := 0
		for _, w := range want {
			if !strings.HasPrefix(w, "{") && slices.Contains(got, w) {
				literals++
			}
		}
		// Then the one whose literal segments are spelled most like the
		// request's: multi_party_cal is nearer multi_party_call than
		// conference_bridge.
		spelled := 0
		for i, w := range want {
			if i < len(got) && !strings.HasPrefix(w, "{") {
				spelled += commonPrefix(got[i], w)
			}
		}
		if best == nil || cost < bestCost || cost == bestCost && (literals > bestLiterals || literals == bestLiterals && spelled > bestSpelled) {
			best, bestCost, bestLiterals, bestSpelled = &Miss{Route: r, Differences: diffs}, cost, literals, spelled
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func segmentMatches(got, want string) bool {
	if strings.HasPrefix(want, "{") && strings.HasSuffix(want, "}") {
		return got != ""
	}
	return got == want
}

// segmentDiff is the edit distance between two segment lists and the edits
// that turn got into want, described for a person.
func segmentDiff(got, want []string) (int, []string) {
	n, m := len(got), len(want)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			sub := d[i-1][j-1]
			if !segmentMatches(got[i-1], want[j-1]) {
				sub++
			}
			d[i][j] = min(sub, d[i-1][j]+1, d[i][j-1]+1)
		}
	}
	// Walk back from the end to name each edit, then put them in path order.
	var diffs []string
	for i, j := n, m; i > 0 || j > 0; {
		// On a tie, an equal literal wins, then a missing or extra segment,
		// then a template segment: /v1/phlo/P1/extra has "extra" too many.
		switch {
		case i > 0 && j > 0 && d[i][j] == d[i-1][j-1] && got[i-1] == want[j-1]:
			i, j = i-1, j-1
		case i > 0 && d[i][j] == d[i-1][j]+1:
			diffs = append(diffs, fmt.Sprintf("segment %d: %q is extra", i, got[i-1]))
			i--
		case j > 0 && d[i][j] == d[i][j-1]+1:
			diffs = append(diffs, fmt.Sprintf("segment %d: missing, want %q", j, want[j-1]))
			j--
		case d[i][j] == d[i-1][j-1] && segmentMatches(got[i-1], want[j-1]):
			i, j = i-1, j-1
		default:
			diffs = append(diffs, fmt.Sprintf("segment %d: got %q, want %q", j, got[i-1], want[j-1]))
			i, j = i-1, j-1
		}
	}
	for l, r := 0, len(diffs)-1; l < r; l, r = l+1, r-1 {
		diffs[l], diffs[r] = diffs[r], diffs[l]
	}
	if diffs == nil {
		diffs = []string{}
	}
	return d[n][m], diffs
}
