package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the serve command lands.
func runServe(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("serve: not implemented yet")
}
