package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the driver command lands.
func runDriver(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("driver: not implemented yet")
}
