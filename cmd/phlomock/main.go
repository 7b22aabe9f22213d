package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	growStack() // before the deep calls of start-up (stack.go)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdin: os.Stdin}
	err := m.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
