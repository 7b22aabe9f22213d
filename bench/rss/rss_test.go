package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReportPerEntry(t *testing.T) {
	const mb = 1 << 20
	rs := []result{
		{c: rssCase{name: "default journal (1,000 entries), full", n: 100_000}, start: 19 * mb, end: 30 * mb},
		{c: rssCase{name: "journal of 100,000 entries, full", args: []string{"--journal-size", "100000"}, n: 100_000}, start: 19 * mb, end: 30*mb + 99_000*700, kept: 153},
	}
	var out bytes.Buffer
	report(&out, "bin/phlomock", []string{"-phlomock", "bin/phlomock", "-entries", "100000"}, sizes{entries: 100_000}, rs)
	s := out.String()
	assert.Contains(t, s, "`go run ./bench/rss -phlomock bin/phlomock -entries 100000`")
	assert.Contains(t, s, "Journal: 700 bytes of RSS per entry", "got %s", s)
	assert.Contains(t, s, "547 bytes an entry beyond them")
	assert.Contains(t, s, "| journal of 100,000 entries, full | `--journal-size 100000` | 100,000 | 19.0 MiB | 96.1 MiB | +77.1 MiB |", "got %s", s)
	assert.Equal(t, 1, strings.Count(s, "\nJournal: "), "got %s", s)
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		assert.Equal(t, want, count(n), "count(%d)", n)
	}
}
