package doctest_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/internal/doctest"
)

// TestLinks: every relative link of README.md, CONTRIBUTING.md and docs/
// names a file of the repository, and a #fragment a heading of it.
func TestLinks(t *testing.T) {
	root := doctest.Root(t)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, page := range append(doctest.Pages(t), "CONTRIBUTING.md") {
		text := doctest.Read(t, page)
		for _, b := range doctest.Blocks(text) { // links inside code are not links
			text = strings.Replace(text, b.Text, "", 1)
		}
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			rel := page
			if file != "" {
				rel = path.Join(path.Dir(page), file)
			}
			info, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
			if !assert.NoErrorf(t, err, "%s: link %s", page, target) {
				continue
			}
			if frag != "" && !info.IsDir() && strings.HasSuffix(rel, ".md") {
				assert.Containsf(t, anchors(doctest.Read(t, rel)), frag, "%s: link %s: no such heading in %s", page, target, rel)
			}
		}
	}
}

// anchors are the GitHub anchors of a page's headings.
func anchors(text string) []string {
	var out []string
	drop := regexp.MustCompile("[^a-z0-9 _-]")
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		h = drop.ReplaceAllString(strings.ToLower(h), "")
		out = append(out, strings.ReplaceAll(h, " ", "-"))
	}
	return out
}
