// Command phlomock is a validating fake of Plivo's PHLO runner API, the tool
// that derives its contract from Postman collections, and a conformance and
// certification suite for the API and its clients. Run `phlomock help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdin: os.Stdin}
	err := m.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
