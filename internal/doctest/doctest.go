package doctest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const module = "module github.com/phlomock/phlomock\n"

// Root returns the repository's root: the nearest directory at or above the
// working directory whose go.mod is phlomock's.
func Root(tb testing.TB) string {
	tb.Helper()
	d, err := os.Getwd()
	if err != nil {
		tb.Fatalf("doctest: working directory: %v", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(b), module) {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			tb.Fatalf("doctest: no phlomock go.mod above the working directory")
		}
		d = parent
	}
}

// Read returns a page, named by its path from the root ("README.md",
// "docs/serve.md").
func Read(tb testing.TB, page string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Root(tb), filepath.FromSlash(page)))
	if err != nil {
		tb.Fatalf("doctest: %v", err)
	}
	return string(b)
}

// Pages returns README.md and every Markdown page under docs/, sorted.
func Pages(tb testing.TB) []string {
	tb.Helper()
	root := Root(tb)
	pages := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, _ := filepath.Rel(root, p)
			pages = append(pages, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("doctest: %v", err)
	}
	sort.Strings(pages[1:])
	return pages
}

// Section returns the part of page under heading (a whole line, such as
// "## Flags and environment"), up to the next heading of the same or a
// higher level. Lines inside fenced blocks are never headings.
func Section(tb testing.TB, page, heading string) string {
	tb.Helper()
	text := Read(tb, page)
	level := headingLevel(heading)
	if level == 0 {
		tb.Fatalf("doctest: %q is not a Markdown heading", heading)
	}
	var out []string
	in, fence := false, false
	for _, line := range strings.SplitAfter(text, "\n") {
		bare := strings.TrimRight(line, "\n")
		if strings.HasPrefix(bare, "```") {
			fence = !fence
		}
		if !fence && !strings.HasPrefix(bare, "```") {
			if l := headingLevel(bare); l > 0 {
				if in && l <= level {
					break
				}
				if bare == heading {
					in = true
					continue
				}
			}
		}
		if in {
			out = append(out, line)
		}
	}
	if !in {
		tb.Fatalf("doctest: %s has no heading %q", page, heading)
	}
	return strings.Join(out, "")
}

func headingLevel(line string) int {
	n := len(line) - len(strings.TrimLeft(line, "#"))
	if n == 0 || n > 6 || !strings.HasPrefix(line[n:], " ") {
		return 0
	}
	return n
}

// A Block is a fenced block of a page.
type Block struct {
	Line   int    // of the opening fence, 1-based, in the text given to Blocks
	Lang   string // the fence's info string: sh, console, yaml, go...
	Text   string // the lines between the fences
	Marker string // the doctest marker of the line before, without "<!-- doctest:" and "-->"; "" when none
}

var marker = regexp.MustCompile(`^<!-- doctest:\s*(.*?)\s*-->$`)

// Blocks returns the fenced blocks of text, in order.
func Blocks(text string) []Block {
	var out []Block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		b := Block{Line: i + 1, Lang: strings.TrimSpace(lang)}
		if i > 0 {
			if m := marker.FindStringSubmatch(strings.TrimSpace(lines[i-1])); m != nil {
				b.Marker = m[1]
			}
		}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if len(body) > 0 {
			b.Text = strings.Join(body, "\n") + "\n"
		}
		out = append(out, b)
	}
	return out
}

// First returns the text of the first block of lang in text; it fails tb
// when there is none. what names text in the failure.
func First(tb testing.TB, text, lang, what string) string {
	tb.Helper()
	for _, b := range Blocks(text) {
		if b.Lang == lang {
			return b.Text
		}
	}
	tb.Fatalf("doctest: no %s block in %s", lang, what)
	return ""
}

// Commands splits a shell block into its commands: blank lines and comment
// lines are dropped, continuation lines (ending in \) joined.
func Commands(block string) []string {
	var out []string
	cur := ""
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if l, ok := strings.CutSuffix(line, "\\"); ok {
			cur += l
			continue
		}
		out = append(out, cur+line)
		cur = ""
	}
	return out
}

// IsShell reports whether a block's language is one of a shell session.
func IsShell(lang string) bool {
	switch lang {
	case "sh", "bash", "console", "shell":
		return true
	}
	return false
}
