package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// imageUID is the user the container image runs as (Dockerfile USER).
const imageUID = 65532

// readInput reads a file the user named (--scenario, --spec). Its error does
// not repeat the path, which the caller puts first. Permission denied says
// which user could not read it: in the image, a mounted file that uid 65532
// may not read is the usual cause, and a bare "permission denied" did not
// say so.
func readInput(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		who := "phlomock"
		if uid := os.Getuid(); uid == imageUID {
			who = "the image"
		}
		return nil, fmt.Errorf("%w: %s runs as uid %d; make the file readable", fs.ErrPermission, who, os.Getuid())
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err
	}
	return nil, err
}
