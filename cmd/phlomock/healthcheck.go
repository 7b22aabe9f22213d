package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the healthcheck command lands.
func runHealthcheck(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("healthcheck: not implemented yet")
}
