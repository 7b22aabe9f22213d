package driver

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrProtocol: the driver wrote something that is not the expected
	// message (not JSON, wrong type, wrong id, unknown protocol version).
	ErrProtocol = errors.New("driver protocol violation")
	// ErrTimeout: the driver did not answer in time.
	ErrTimeout = errors.New("driver did not answer in time")
	// ErrExited: the driver's process ended (or closed its output) while
	// phlomock was waiting for an answer.
	ErrExited = errors.New("driver exited")
	// ErrClosed: the Driver was closed, or broken by an earlier error.
	ErrClosed = errors.New("driver closed")
	// ErrCommand: the driver's command line is empty or badly quoted.
	ErrCommand = errors.New("bad driver command")
)

// DriverError is a failure of the driver (not of the client under test),
// with the driver's standard error so far for the report.
type DriverError struct {
	Command string // the driver's command line
	Op      string // what phlomock was doing: "start", "hello", "call ID", "close"
	Err     error  // one of the ErrX sentinels, wrapped with details
	Stderr  string // the tail of the driver's standard error
}

func (e *DriverError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "driver %q: %s: %v", e.Command, e.Op, e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString("\ndriver stderr:\n")
		b.WriteString(s)
	}
	return b.String()
}

func (e *DriverError) Unwrap() error { return e.Err }
