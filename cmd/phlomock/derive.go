package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the derive command lands.
func runDerive(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("derive: not implemented yet")
}
