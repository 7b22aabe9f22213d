package lazyre

import (
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSameAsRegexp(t *testing.T) {
	const pat = `(a+)(b?)`
	lazy, eager := New(pat), regexp.MustCompile(pat)
	for _, s := range []string{"", "aab", "xaxb", "ba"} {
		assert.Equal(t, eager.MatchString(s), lazy.MatchString(s), s)
		assert.Equal(t, eager.Match([]byte(s)), lazy.Match([]byte(s)), s)
		assert.Equal(t, eager.FindStringSubmatch(s), lazy.FindStringSubmatch(s), s)
		assert.Equal(t, eager.FindAllStringSubmatch(s, -1), lazy.FindAllStringSubmatch(s, -1), s)
		assert.Equal(t, eager.ReplaceAllString(s, "<$1>"), lazy.ReplaceAllString(s, "<$1>"), s)
		assert.Equal(t, eager.ReplaceAllStringFunc(s, func(m string) string { return "[" + m + "]" }),
			lazy.ReplaceAllStringFunc(s, func(m string) string { return "[" + m + "]" }), s)
		assert.Equal(t, eager.Split(s, -1), lazy.Split(s, -1), s)
	}
	assert.Equal(t, pat, lazy.String())
}

// In a test binary a bad pattern panics in New, where the package that
// declares it is initialised, and not at its first use.
func TestBadPatternFailsInTests(t *testing.T) {
	require.True(t, inTest)
	assert.Panics(t, func() { New(`(`) })
}

// Outside tests, New compiles nothing; the first use compiles once, even
// from many goroutines at a time.
func TestCompiledOnFirstUseOnce(t *testing.T) {
	inTest = false
	defer func() { inTest = true }()
	r := New(`^x+$`)
	require.Nil(t, r.rx, "compiled before its first use")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); assert.True(t, r.MatchString("xx")) }()
	}
	wg.Wait()
	first := r.rx
	require.NotNil(t, first)
	r.MatchString("y")
	assert.Same(t, first, r.rx, "compiled twice")
}
