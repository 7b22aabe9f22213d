// Package driver is phlomock's side of the certification driver protocol
// (docs/driver-protocol.md): it starts a driver program, performs the hello
// handshake, sends it one operation at a time and decodes what the client
// under test surfaced.
//
// A driver is any program that wraps a PHLO runner client and speaks JSON
// lines on its standard input and output; this package never runs a shell
// and never trusts the driver: garbage output, a wrong protocol version, a
// driver that hangs or exits are all reported as errors (ErrProtocol,
// ErrTimeout, ErrExited inside a *DriverError that carries the driver's
// standard error), never as a hang or a panic.
//
// It is not the certification engine: it judges nothing, knows no cases and
// does not start the fake. The engine (package certify) builds on it.
//
// Files: driver.go (Options, Start, the driver process), message.go (the
// protocol's messages and versions), errors.go (DriverError), split.go
// (SplitCommand), tail.go (the driver's standard error, bounded),
// proc_unix.go and proc_other.go (the driver in a process group of its own,
// where there are groups).
package driver
