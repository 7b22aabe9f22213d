package contract

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
)

// A patternGen draws strings from a pattern of the contract: strings that
// match it (each alternative, each repeat at its bounds, random ones) and
// strings just outside it, each labelled with the kind of violation. Every
// string is checked against the pattern itself before it is used, so a
// generator mistake can only drop a case, never mislabel one.
type patternGen struct {
	re   *regexp.Regexp
	tree *syntax.Regexp
}

func newPatternGen(pattern string) (*patternGen, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return &patternGen{re: re, tree: tree}, nil
}

// genMode says how a generation picks repeat counts and alternatives.
type genMode struct {
	rnd      *rand.Rand // nil: deterministic (lowest counts, first runes)
	max      bool       // repeats at their maximum (unbounded ones: longRun)
	alt      int        // the top-level alternative to take, -1: any
	override map[*syntax.Regexp]int
	outside  *syntax.Regexp // this char class yields one rune outside it
	drop     *syntax.Regexp // this literal is left out
	longRun  int
}

// generate returns one string the tree produces under m.
func (g *patternGen) generate(m genMode) string {
	var b strings.Builder
	g.walk(&b, g.tree, m, true)
	return b.String()
}

func (g *patternGen) walk(b *strings.Builder, n *syntax.Regexp, m genMode, top bool) {
	switch n.Op {
	case syntax.OpLiteral:
		if n == m.drop {
			return
		}
		b.WriteString(string(n.Rune))
	case syntax.OpCharClass:
		if n == m.outside {
			b.WriteRune(runeOutside(n))
			return
		}
		b.WriteRune(runeIn(n, m.rnd))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune('a')
	case syntax.OpCapture:
		g.walk(b, n.Sub[0], m, top)
	case syntax.OpConcat:
		for _, s := range n.Sub {
			// anchors and captures keep the top level: ^(a|b)$
			g.walk(b, s, m, top && (s.Op == syntax.OpCapture || s.Op == syntax.OpAlternate))
		}
	case syntax.OpAlternate:
		i := 0
		switch {
		case top && m.alt >= 0 && m.alt < len(n.Sub):
			i = m.alt
		case m.rnd != nil:
			i = m.rnd.IntN(len(n.Sub))
		}
		g.walk(b, n.Sub[i], m, false)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := repeatBounds(n)
		count := lo
		switch c, ok := m.override[n]; {
		case ok:
			count = c
		case m.max && hi >= 0:
			count = hi
		case m.max:
			count = max(lo, m.longRun)
		case m.rnd != nil:
			top := hi
			if top < 0 || top > lo+8 {
				top = lo + 8
			}
			count = lo + m.rnd.IntN(top-lo+1)
		case lo == 0 && n.Op != syntax.OpQuest:
			count = 1
		}
		for range count {
			g.walk(b, n.Sub[0], m, false)
		}
	}
}

func repeatBounds(n *syntax.Regexp) (lo, hi int) {
	switch n.Op {
	case syntax.OpStar:
		return 0, -1
	case syntax.OpPlus:
		return 1, -1
	case syntax.OpQuest:
		return 0, 1
	}
	return n.Min, n.Max
}

// runeIn picks a rune of the class: printable ASCII letters and digits
// first, so that a sample reads like the documentation's.
func runeIn(n *syntax.Regexp, rnd *rand.Rand) rune {
	var in []rune
	for r := rune(' ') + 1; r < 127; r++ {
		if inClass(n, r) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			in = append(in, r)
		}
	}
	if len(in) == 0 {
		for r := rune(' ') + 1; r < 127; r++ {
			if inClass(n, r) {
				in = append(in, r)
			}
		}
	}
	if len(in) == 0 {
		return n.Rune[0]
	}
	if rnd == nil {
		return in[0]
	}
	return in[rnd.IntN(len(in))]
}

// runeOutside picks a rune the class refuses, plausible in the field's
// values: a letter where digits go, a space or @ where they are refused.
func runeOutside(n *syntax.Regexp) rune {
	for _, r := range []rune{'a', ' ', '@', '#', '-', '.', '0', 'é', '\t'} {
		if !inClass(n, r) {
			return r
		}
	}
	return 0
}

func inClass(n *syntax.Regexp, r rune) bool {
	for i := 0; i+1 < len(n.Rune); i += 2 {
		if r >= n.Rune[i] && r <= n.Rune[i+1] {
			return true
		}
	}
	return false
}

// altPrefix names alternative alt in a kind ("alt1-"), when there are several.
func (g *patternGen) altPrefix(alt int) string {
	if g.alternatives() < 2 {
		return ""
	}
	return "alt" + itoa(alt) + "-"
}

// alternatives is the number of top-level alternatives (1 without any).
func (g *patternGen) alternatives() int {
	n := g.tree
	for {
		switch {
		case n.Op == syntax.OpCapture:
			n = n.Sub[0]
		case n.Op == syntax.OpConcat:
			var inner *syntax.Regexp
			for _, s := range n.Sub {
				if s.Op == syntax.OpCapture || s.Op == syntax.OpAlternate {
					inner = s
				}
			}
			if inner == nil {
				return 1
			}
			n = inner
		case n.Op == syntax.OpAlternate:
			return len(n.Sub)
		default:
			return 1
		}
	}
}

// nodes lists the tree's nodes of the given ops, in order.
func (g *patternGen) nodes(ops ...syntax.Op) []*syntax.Regexp {
	var out []*syntax.Regexp
	var visit func(*syntax.Regexp)
	visit = func(n *syntax.Regexp) {
		if slices.Contains(ops, n.Op) {
			out = append(out, n)
		}
		for _, s := range n.Sub {
			visit(s)
		}
	}
	visit(g.tree)
	return out
}

// A patternValue is one drawn string and what it shows.
type patternValue struct {
	kind, value string
}

// valid returns matching strings: each alternative at its shortest and
// at its longest (unbounded repeats at longRun), each optional part left
// out and put in.
func (g *patternGen) valid(longRun int) []patternValue {
	var out []patternValue
	seen := map[string]bool{}
	add := func(kind, v string) {
		if !seen[v] && g.re.MatchString(v) {
			seen[v] = true
			out = append(out, patternValue{kind, v})
		}
	}
	for alt := range g.alternatives() {
		p := g.altPrefix(alt)
		add(p+"shortest", g.generate(genMode{alt: alt}))
		add(p+"longest", g.generate(genMode{alt: alt, max: true, longRun: longRun}))
		for _, q := range g.nodes(syntax.OpQuest) {
			add(p+"with-optional", g.generate(genMode{alt: alt, override: map[*syntax.Regexp]int{q: 1}}))
		}
	}
	return out
}

// random returns a matching string drawn with rnd.
func (g *patternGen) random(rnd *rand.Rand) (string, bool) {
	v := g.generate(genMode{rnd: rnd, alt: -1})
	return v, g.re.MatchString(v)
}

// invalid returns strings just outside the pattern, one per kind of
// violation the pattern's syntax allows: a repeat one over its maximum
// or one under its minimum, a rune outside each class, each literal left
// out, text before or after a valid value (a missing anchor), a trailing
// newline (Python's and JavaScript's $ match before it), the empty string.
func (g *patternGen) invalid(base string) []patternValue {
	var out []patternValue
	seen := map[string]bool{}
	add := func(kind, v string) {
		if !seen[v] && !g.re.MatchString(v) {
			seen[v] = true
			out = append(out, patternValue{kind, v})
		}
	}
	for alt := range g.alternatives() {
		add := func(kind, v string) { add(g.altPrefix(alt)+kind, v) }
		for i, r := range g.nodes(syntax.OpRepeat, syntax.OpPlus) {
			lo, hi := repeatBounds(r)
			if hi >= 0 {
				add("too-long-"+itoa(i), g.generate(genMode{alt: alt, override: map[*syntax.Regexp]int{r: hi + 1}}))
			}
			if lo > 0 {
				add("too-short-"+itoa(i), g.generate(genMode{alt: alt, override: map[*syntax.Regexp]int{r: lo - 1}}))
			}
		}
		for i, c := range g.nodes(syntax.OpCharClass) {
			add("outside-class-"+itoa(i), g.generate(genMode{alt: alt, outside: c}))
		}
		for i, l := range g.nodes(syntax.OpLiteral) {
			add("literal-missing-"+itoa(i), g.generate(genMode{alt: alt, drop: l}))
		}
	}
	add("trailing-text", base+"x")
	add("leading-text", "x"+base)
	add("trailing-newline", base+"\n")
	add("inner-space", base[:len(base)/2]+" "+base[len(base)/2:])
	add("empty", "")
	return out
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
