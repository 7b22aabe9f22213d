package report_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/report"
)

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n   int
	buf bytes.Buffer
}

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errDiskFull
	}
	f.n--
	return f.buf.Write(p)
}

func TestPrinterKeepsTheFirstError(t *testing.T) {
	const want = "one\na    b\nccc  d\nthree\n"
	print := func(w io.Writer) error {
		p := report.NewPrinter(w)
		p.Printf("one\n")
		p.Table(func(t *report.Printer) {
			t.Printf("a\tb\n")
			t.Printf("ccc\td\n")
		})
		p.Printf("three\n")
		return p.Err()
	}
	// The writer fails at every write in turn: each failure is reported,
	// and nothing is written after it.
	for n := 0; ; n++ {
		w := &failAfter{n: n}
		err := print(w)
		if err == nil {
			assert.Equal(t, want, w.buf.String())
			assert.Positive(t, n)
			break
		}
		assert.ErrorIs(t, err, errDiskFull, "a write error after %d writes", n)
		assert.True(t, strings.HasPrefix(want, w.buf.String()), "got %q after the error, want a prefix of %q", w.buf.String(), want)
		require.Less(t, n, 100, "the writer never succeeded")
	}
}

func TestTextHelpers(t *testing.T) {
	assert.Equal(t, "-", report.OrDash(""))
	assert.Equal(t, "x", report.OrDash("x"))
	assert.Equal(t, "1 case", "1 "+report.Plural(1, "case"))
	assert.Equal(t, "0 cases", "0 "+report.Plural(0, "case"))
}

func TestJSON(t *testing.T) {
	v := map[string]string{"a": "<b>&"}
	var esc, keep bytes.Buffer
	require.NoError(t, report.JSON(&esc, v, report.EscapeHTML))
	require.NoError(t, report.JSON(&keep, v, report.KeepHTML))
	assert.Equal(t, "{\n  \"a\": \"\\u003cb\\u003e\\u0026\"\n}\n", esc.String())
	assert.Equal(t, "{\n  \"a\": \"<b>&\"\n}\n", keep.String())
	assert.ErrorIs(t, report.JSON(&failAfter{}, v, report.KeepHTML), errDiskFull)
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.xml")
	require.NoError(t, report.WriteFile(path, report.Bytes([]byte("first"))))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "first", string(b))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o644), info.Mode().Perm())

	// A failed write leaves the file as it was, and no temporary file.
	err = report.WriteFile(path, func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return errDiskFull
	})
	assert.ErrorIs(t, err, errDiskFull)
	assert.EqualError(t, err, "write "+path+": disk full")
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "first", string(b))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "a temporary file was left behind")
}

// Each error names the path asked for, never the temporary file beside it.
func TestWriteFileErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "taken"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	tests := []struct {
		name, path string
		want       error
	}{
		{"no such folder", filepath.Join(dir, "no", "such", "out.html"), fs.ErrNotExist},
		{"a folder's name", filepath.Join(dir, "taken"), nil},
		{"under a file", filepath.Join(dir, "file", "out.html"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := report.WriteFile(tt.path, report.Bytes([]byte("x")))
			require.Error(t, err)
			var pe *fs.PathError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.path, pe.Path)
			assert.NotContains(t, err.Error(), ".tmp")
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "left behind: %s", e.Name())
			}
		})
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "no", "bad.txt")
	var stdout bytes.Buffer
	err := report.Write(&stdout,
		report.Output{Name: "--junit", Path: bad, Write: report.Bytes([]byte("j"))},
		report.Output{Name: "--html", Path: "", Write: func(io.Writer) error { t.Error("an output not asked for was written"); return nil }},
		report.Output{Name: "--out", Path: good, Write: report.Bytes([]byte("g"))},
		report.Output{Name: "--report", Path: report.Stdout, Write: report.Bytes([]byte("text"))},
	)
	// Every output is written, and the one failure is reported.
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, "--junit: open "+bad+": no such file or directory", err.Error())
	assert.Equal(t, "text", stdout.String())
	b, rerr := os.ReadFile(good)
	require.NoError(t, rerr)
	assert.Equal(t, "g", string(b))

	// A failed standard output is reported, not swallowed.
	err = report.Write(&failAfter{}, report.Output{Name: "--report", Path: report.Stdout, Write: report.Bytes([]byte("text"))})
	assert.ErrorIs(t, err, errDiskFull)
	assert.EqualError(t, err, "--report: write standard output: disk full")
}
