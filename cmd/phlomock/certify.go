package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the certify command lands.
func runCertify(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("certify: not implemented yet")
}
