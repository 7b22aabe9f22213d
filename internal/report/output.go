package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Stdout is the path that names standard output.
const Stdout = "-"

// An Output is one report a command was asked for.
type Output struct {
	// Name is what the errors call it: the flag that asked for it
	// ("--junit").
	Name string
	// Path is the file to write: Stdout for standard output, "" when
	// the output was not asked for.
	Path string
	// Write writes the report in its format.
	Write func(io.Writer) error
}

// Write writes each output that has a path, in order: Stdout to stdout,
// any other path with WriteFile. It writes them all, even after a
// failure, and returns every failure, each as "NAME: " and an error
// that names the path.
func Write(stdout io.Writer, outs ...Output) error {
	var errs []error
	for _, o := range outs {
		var err error
		switch o.Path {
		case "":
			continue
		case Stdout:
			if err = o.Write(stdout); err != nil {
				err = &fs.PathError{Op: "write", Path: "standard output", Err: err}
			}
		default:
			err = WriteFile(o.Path, o.Write)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.Name, err))
		}
	}
	return errors.Join(errs...)
}

// WriteFile replaces path with what write writes, readable by all (0644).
// It writes a temporary file beside path and renames it into place, so
// that path is untouched when anything fails. The error is an
// *fs.PathError naming path (not the temporary file).
func WriteFile(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return pathError("open", path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		_ = tmp.Close()
		return pathError("write", path, err)
	}
	// CreateTemp makes the file 0600.
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return pathError("chmod", path, err)
	}
	if err := tmp.Close(); err != nil {
		return pathError("write", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return pathError("rename", path, err)
	}
	return nil
}

// pathError names path in err, in place of the temporary file the
// operating system named.
func pathError(op, path string, err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		err = e.Err
	case *os.LinkError:
		err = e.Err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// Bytes is a write function that writes data, for WriteFile and Output.
func Bytes(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}
