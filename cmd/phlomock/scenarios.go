package main

import (
	"context"
	"errors"
	"io"
)

// TODO(phlomock): placeholder until the scenarios command lands.
func runScenarios(_ context.Context, _ []string, _, _ io.Writer) error {
	return errors.New("scenarios: not implemented yet")
}
