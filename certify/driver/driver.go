package driver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Defaults of Options' zero values.
const (
	DefaultHelloTimeout = 30 * time.Second
	DefaultCallTimeout  = 10 * time.Second
	DefaultByeTimeout   = 5 * time.Second
	DefaultStderrLimit  = 64 << 10

	// maxLine bounds one message from a driver; longer lines are a
	// protocol violation rather than unbounded memory.
	maxLine = 1 << 20
)

// Options configure Start. The zero value is ready to use.
type Options struct {
	// Dir is the driver's working directory; "" is phlomock's own.
	Dir string
	// Env is the driver's environment; nil inherits phlomock's.
	Env []string
	// HelloTimeout bounds start-up and the hello handshake, so slow
	// runtimes get longer than a call (default 30 s).
	HelloTimeout time.Duration
	// CallTimeout bounds each call unless the call's context ends sooner
	// (default 10 s).
	CallTimeout time.Duration
	// ByeTimeout is how long Close waits for the driver to exit after bye
	// before killing it (default 5 s).
	ByeTimeout time.Duration
	// Stderr, if set, also receives the driver's standard error as it comes.
	Stderr io.Writer
	// StderrLimit is how many bytes of the end of the driver's standard
	// error are kept for error reports (default 64 KiB).
	StderrLimit int
}

func (o Options) withDefaults() Options {
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = DefaultHelloTimeout
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.ByeTimeout <= 0 {
		o.ByeTimeout = DefaultByeTimeout
	}
	if o.StderrLimit <= 0 {
		o.StderrLimit = DefaultStderrLimit
	}
	return o
}

// Driver is a running driver process. Its methods are safe for concurrent
// use, but calls are serialised: the protocol has one request in flight.
type Driver struct {
	command string
	opts    Options
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	stderr  *tailBuffer
	lines   chan line     // from the reader goroutine
	done    chan struct{} // closed by Close: stops the reader
	exited  chan struct{} // closed when the process has been waited for
	waitErr error         // the process's exit, valid after exited

	hello HelloInfo

	mu     sync.Mutex
	broken error // set once the driver cannot be used any more

	closeOnce sync.Once
	closeErr  error
}

type line struct {
	b   []byte
	err error
}

// Start splits command like a shell would (see SplitCommand), starts it
// and performs the hello handshake. The context bounds the handshake and
// the driver's life: when it ends, the driver is killed. Always Close a
// Driver that Start returned.
func Start(ctx context.Context, command string, opts Options) (*Driver, error) {
	opts = opts.withDefaults()
	args, err := SplitCommand(command)
	if err != nil {
		return nil, &DriverError{Command: command, Op: "start", Err: err}
	}
	d := &Driver{
		command: command,
		opts:    opts,
		stderr:  &tailBuffer{limit: opts.StderrLimit, tee: opts.Stderr},
		lines:   make(chan line),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
	}
	if err := d.start(ctx, args); err != nil {
		return nil, &DriverError{Command: command, Op: "start", Err: err}
	}

	line, err := d.exchange(ctx, HelloRequest{Type: TypeHello, Protocol: ProtocolVersion}, opts.HelloTimeout)
	if err == nil {
		d.hello, err = decodeHello(line)
	}
	if err != nil {
		d.broken = err
		d.kill()
		_ = d.Close()
		return nil, d.fail("hello", err)
	}
	return d, nil
}

func (d *Driver) start(ctx context.Context, args []string) error {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = d.opts.Dir
	cmd.Env = d.opts.Env
	cmd.Stderr = d.stderr
	// A driver's children may keep stderr open after it exits.
	cmd.WaitDelay = time.Second
	ownGroup(cmd)
	cmd.Cancel = func() error { killGroup(cmd); return nil }

	inR, inW, err := os.Pipe()
	if err != nil {
		return err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return err
	}
	cmd.Stdin, cmd.Stdout = inR, outW
	err = cmd.Start()
	// The child has its own copies now (or never will).
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return err
	}
	d.cmd, d.stdin, d.stdout = cmd, inW, outR
	go func() {
		d.waitErr = cmd.Wait()
		close(d.exited)
	}()
	go d.read()
	return nil
}

// read delivers the driver's output lines, skipping blank ones, until
// end of file, an over-long line, or Close.
func (d *Driver) read() {
	sc := bufio.NewScanner(d.stdout)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for {
		var l line
		if sc.Scan() {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			l.b = append([]byte(nil), b...)
		} else {
			l.err = sc.Err()
			if l.err == nil {
				l.err = io.EOF
			}
		}
		select {
		case d.lines <- l:
		case <-d.done:
			return
		}
		if l.err != nil {
			return
		}
	}
}

// Hello returns the driver's answer to the handshake.
func (d *Driver) Hello() HelloInfo { return d.hello }

// Stderr returns the end of what the driver wrote to its standard error.
func (d *Driver) Stderr() string { return d.stderr.String() }

// Call sends one call and returns the driver's result. Type in m is set
// for the caller. Any error (a timeout, a protocol violation, an exit) is
// a *DriverError and leaves the Driver unusable: the process is killed, as
// its state is unknown.
func (d *Driver) Call(ctx context.Context, m CallMessage) (Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	op := "call " + m.ID
	if d.broken != nil {
		return Result{}, d.fail(op, fmt.Errorf("%w: %v", ErrClosed, d.broken))
	}
	m.Type = TypeCall
	l, err := d.exchange(ctx, m, d.opts.CallTimeout)
	var r Result
	if err == nil {
		r, err = decodeResult(l, m.ID)
	}
	if err != nil {
		d.broken = err
		d.kill()
		// Its last words on stderr belong in the report.
		<-d.exited
		return Result{}, d.fail(op, err)
	}
	return r, nil
}

// exchange writes msg as one line and waits for one line back.
func (d *Driver) exchange(ctx context.Context, msg any, timeout time.Duration) ([]byte, error) {
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	// A driver that does not read cannot block us past the deadline.
	_ = d.stdin.SetWriteDeadline(deadline)
	if _, err := d.stdin.Write(b); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, fmt.Errorf("%w: it does not read its input (%s)", ErrTimeout, timeout)
		}
		return nil, d.exitedErr(fmt.Sprintf("cannot write to it: %v", err))
	}

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case l := <-d.lines:
		return d.gotLine(l)
	case <-timer.C:
		return nil, fmt.Errorf("%w: no answer within %s", ErrTimeout, timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	case <-d.exited:
		// The process is gone; its last words may still be in the pipe.
		select {
		case l := <-d.lines:
			return d.gotLine(l)
		case <-time.After(time.Second):
			return nil, d.exitedErr("without answering")
		}
	}
}

func (d *Driver) gotLine(l line) ([]byte, error) {
	switch {
	case l.err == nil:
		return l.b, nil
	case errors.Is(l.err, bufio.ErrTooLong):
		return nil, fmt.Errorf("%w: a line longer than %d bytes", ErrProtocol, maxLine)
	case errors.Is(l.err, io.EOF):
		return nil, d.exitedErr("it closed its standard output without answering")
	default:
		return nil, d.exitedErr(fmt.Sprintf("cannot read its output: %v", l.err))
	}
}

// exitedErr describes the driver's end, waiting briefly for its status.
func (d *Driver) exitedErr(what string) error {
	select {
	case <-d.exited:
		status := "exit status 0"
		if d.waitErr != nil {
			status = d.waitErr.Error()
		}
		return fmt.Errorf("%w (%s): %s", ErrExited, status, what)
	case <-time.After(time.Second):
		return fmt.Errorf("%w: %s", ErrExited, what)
	}
}

func (d *Driver) fail(op string, err error) error {
	return &DriverError{Command: d.command, Op: op, Err: err, Stderr: d.Stderr()}
}

func (d *Driver) kill() {
	if d.cmd != nil {
		killGroup(d.cmd)
	}
}

// Close says bye, closes the driver's input, waits up to ByeTimeout for it
// to exit and kills it after that. It returns an error if the driver had to
// be killed or exited with a non-zero status after a clean session.
// Calling Close again returns the first result.
func (d *Driver) Close() error {
	d.closeOnce.Do(func() { d.closeErr = d.close() })
	return d.closeErr
}

func (d *Driver) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return nil
	}
	healthy := d.broken == nil
	if d.broken == nil {
		d.broken = ErrClosed
		b, _ := json.Marshal(ByeMessage{Type: TypeBye})
		_ = d.stdin.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = d.stdin.Write(append(b, '\n'))
	}
	_ = d.stdin.Close()

	var err error
	timer := time.NewTimer(d.opts.ByeTimeout)
	defer timer.Stop()
	select {
	case <-d.exited:
		if healthy && d.waitErr != nil {
			err = d.fail("close", fmt.Errorf("%w: %v after bye", ErrExited, d.waitErr))
		}
	case <-timer.C:
		d.kill()
		<-d.exited
		if healthy {
			err = d.fail("close", fmt.Errorf("%w: still running %s after bye, killed", ErrTimeout, d.opts.ByeTimeout))
		}
	}
	close(d.done)
	_ = d.stdout.Close()
	return err
}
