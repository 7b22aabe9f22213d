package doctest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/internal/doctest"
)

// TestDocGoNamesFiles: every package of the module has a doc.go, and its
// doc.go names every other non-test file of the package, so a reader
// learns from it where to look. Folders with a go.mod of their own are
// other modules (their own rules), third_party is not ours.
func TestDocGoNamesFiles(t *testing.T) {
	root := doctest.Root(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		if rel != "." && (name == "third_party" || name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && rel != "." {
			return filepath.SkipDir
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		var files []string
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				files = append(files, n)
			}
		}
		if len(files) == 0 {
			return nil
		}
		if !slices.Contains(files, "doc.go") {
			t.Errorf("%s: got no doc.go, want one that says what the package is for and names its files", rel)
			return nil
		}
		doc, err := os.ReadFile(filepath.Join(path, "doc.go"))
		if err != nil {
			return err
		}
		for _, f := range files {
			if f != "doc.go" && !regexp.MustCompile(`(^|[^\w])`+regexp.QuoteMeta(f)).Match(doc) {
				t.Errorf("%s/doc.go: does not name %s", rel, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
