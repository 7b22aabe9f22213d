package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the conform command lands.
func runConform(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("conform: not implemented yet")
}
