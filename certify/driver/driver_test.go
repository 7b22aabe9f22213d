package driver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// TestHelperDriver is not a test: it is the fake driver that the tests
// below start as a child process (the os/exec helper-process pattern).
func TestHelperDriver(t *testing.T) {
	if os.Getenv("PHLOMOCK_HELPER_DRIVER") != "1" {
		t.Skip("helper process")
	}
	mode := os.Args[len(os.Args)-1]
	os.Exit(helperDriver(mode))
}

func helperDriver(mode string) int {
	in := bufio.NewScanner(os.Stdin)
	out := os.Stdout
	say := func(s string) { fmt.Fprintln(out, s) }
	fmt.Fprintf(os.Stderr, "helper driver in mode %s\n", mode)
	switch mode {
	case "silent":
		time.Sleep(time.Hour)
	case "exit-at-once":
		fmt.Fprintln(os.Stderr, "cannot load the client")
		return 7
	}
	if !in.Scan() {
		return 1
	}
	switch mode {
	case "garbage-hello":
		say("Starting the driver...")
		time.Sleep(time.Hour)
	case "protocol-3":
		say(`{"type":"hello","protocol":3,"client":"x","version":"1","operations":[]}`)
	case "long-line":
		say(`{"type":"hello","protocol":1,"client":"` + strings.Repeat("x", 2<<20) + `"}`)
	default:
		say("")
		say(`{"type":"hello","protocol":1,"client":"helper","version":"0.1","operations":["getPhlo","hold"],"future":"ignored"}`)
	}
	for in.Scan() {
		var msg struct {
			Type      string          `json:"type"`
			ID        string          `json:"id"`
			Operation string          `json:"operation"`
			BaseURL   string          `json:"base_url"`
			AuthID    string          `json:"auth_id"`
			AuthToken string          `json:"auth_token"`
			Params    json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if msg.Type == "bye" {
			switch mode {
			case "ignore-bye":
				time.Sleep(time.Hour)
			case "fail-bye":
				return 3
			}
			return 0
		}
		switch mode {
		case "garbage-result":
			say("panic: something went wrong")
		case "wrong-id":
			say(`{"type":"result","id":"other","outcome":"success","fields":{}}`)
		case "bad-outcome":
			say(`{"type":"result","id":"` + msg.ID + `","outcome":"maybe"}`)
		case "error-without-error":
			say(`{"type":"result","id":"` + msg.ID + `","outcome":"error"}`)
		case "number-field":
			say(`{"type":"result","id":"` + msg.ID + `","outcome":"success","fields":{"api_id":5}}`)
		case "hang-call":
			time.Sleep(time.Hour)
		case "exit-call":
			fmt.Fprintln(os.Stderr, "boom: client crashed")
			return 3
		case "client-error":
			say(`{"type":"result","id":"` + msg.ID + `","outcome":"error","error":{"status":404,"message":"not found","api_id":"a1"}}`)
		default:
			// Echo what was received, so the test sees what phlomock sent.
			fields, _ := json.Marshal(map[string]string{
				"operation": msg.Operation, "base_url": msg.BaseURL,
				"auth_id": msg.AuthID, "auth_token": msg.AuthToken, "params": string(msg.Params),
			})
			say(`{"type":"result","id":"` + msg.ID + `","outcome":"success","fields":` + string(fields) + `,"extra":true}`)
		}
	}
	return 0
}

// startHelper starts the helper driver in the given mode.
func startHelper(tb testing.TB, mode string, opts driver.Options) (*driver.Driver, error) {
	tb.Helper()
	opts.Env = append(os.Environ(), "PHLOMOCK_HELPER_DRIVER=1")
	cmd := sdktest.Quote(os.Args[0]) + " -test.run=^TestHelperDriver$ -- " + mode
	return driver.Start(context.Background(), cmd, opts)
}

func TestStartAndCall(t *testing.T) {
	d, err := startHelper(t, "echo", driver.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })

	assert.Equal(t, driver.HelloInfo{Type: "hello", Protocol: 1, Client: "helper", Version: "0.1",
		Operations: []string{"getPhlo", "hold"}}, d.Hello())
	assert.True(t, d.Hello().Supports("hold"))
	assert.False(t, d.Hello().Supports("hangup"))

	r, err := d.Call(context.Background(), driver.CallMessage{
		ID: "hold/ok", Operation: "hold", BaseURL: "http://127.0.0.1:1", AuthID: "MA1", AuthToken: "tok",
		Params: driver.Params{PhloID: "P1", NodeID: "N1", MemberAddress: "+14152223333"},
	})
	require.NoError(t, err)
	assert.Equal(t, driver.Result{Type: "result", ID: "hold/ok", Outcome: driver.OutcomeSuccess, Fields: map[string]string{
		"operation": "hold", "base_url": "http://127.0.0.1:1", "auth_id": "MA1", "auth_token": "tok",
		"params": `{"phlo_id":"P1","node_id":"N1","member_address":"+14152223333"}`,
	}}, r)

	// A second call on the same process: start-up is paid once.
	r, err = d.Call(context.Background(), driver.CallMessage{ID: "getPhlo/ok", Operation: "getPhlo", Params: driver.Params{PhloID: "P1"}})
	require.NoError(t, err)
	assert.Equal(t, "getPhlo/ok", r.ID)
	assert.Equal(t, `{"phlo_id":"P1"}`, r.Fields["params"])

	require.NoError(t, d.Close())
	require.NoError(t, d.Close(), "a second Close returns the first result")
	assert.Contains(t, d.Stderr(), "helper driver in mode echo")

	_, err = d.Call(context.Background(), driver.CallMessage{ID: "late"})
	require.ErrorIs(t, err, driver.ErrClosed)
}

func TestClientErrorResult(t *testing.T) {
	d, err := startHelper(t, "client-error", driver.Options{})
	require.NoError(t, err)
	defer d.Close()
	r, err := d.Call(context.Background(), driver.CallMessage{ID: "getPhlo/404", Operation: "getPhlo"})
	require.NoError(t, err)
	assert.Equal(t, driver.OutcomeError, r.Outcome)
	assert.Equal(t, &driver.ClientError{Status: 404, Message: "not found", APIID: "a1"}, r.Error)
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		mode   string
		want   error
		inText string
	}{
		{mode: "protocol-3", want: driver.ErrProtocol, inText: "driver speaks protocol 3, phlomock speaks 1 to 2"},
		{mode: "garbage-hello", want: driver.ErrProtocol, inText: `Starting the driver...`},
		{mode: "long-line", want: driver.ErrProtocol, inText: "longer than"},
		{mode: "silent", want: driver.ErrTimeout, inText: "no answer within 200ms"},
		{mode: "exit-at-once", want: driver.ErrExited, inText: "exit status 7"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			opts := driver.Options{}
			if tt.want == driver.ErrTimeout {
				opts.HelloTimeout = 200 * time.Millisecond
			}
			d, err := startHelper(t, tt.mode, opts)
			require.Nil(t, d)
			require.ErrorIs(t, err, tt.want)
			var de *driver.DriverError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "hello", de.Op)
			assert.Contains(t, err.Error(), tt.inText)
			if tt.want != driver.ErrTimeout { // a busy machine may not have started it yet
				assert.Contains(t, de.Stderr, "helper driver in mode "+tt.mode, "the report shows the driver's stderr")
			}
		})
	}
}

func TestCallFailures(t *testing.T) {
	tests := []struct {
		mode   string
		want   error
		inText string
	}{
		{mode: "garbage-result", want: driver.ErrProtocol, inText: "panic: something went wrong"},
		{mode: "wrong-id", want: driver.ErrProtocol, inText: `result for id "other", want "c1"`},
		{mode: "bad-outcome", want: driver.ErrProtocol, inText: `unknown outcome "maybe"`},
		{mode: "error-without-error", want: driver.ErrProtocol, inText: `without an "error" object`},
		{mode: "number-field", want: driver.ErrProtocol, inText: `field "fields" must be string, not number`},
		{mode: "hang-call", want: driver.ErrTimeout, inText: "no answer within 200ms"},
		{mode: "exit-call", want: driver.ErrExited, inText: "exit status 3"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			opts := driver.Options{}
			if tt.want == driver.ErrTimeout {
				opts.CallTimeout = 200 * time.Millisecond
			}
			d, err := startHelper(t, tt.mode, opts)
			require.NoError(t, err)
			_, err = d.Call(context.Background(), driver.CallMessage{ID: "c1", Operation: "hold"})
			require.ErrorIs(t, err, tt.want)
			var de *driver.DriverError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "call c1", de.Op)
			assert.Contains(t, err.Error(), tt.inText)
			assert.Contains(t, de.Stderr, "helper driver in mode "+tt.mode, "the report shows the driver's stderr")
			if tt.mode == "exit-call" {
				assert.Contains(t, de.Stderr, "boom: client crashed", "including its last words")
			}

			// The driver is unusable after a failure, and Close does not
			// report the failure twice.
			_, err = d.Call(context.Background(), driver.CallMessage{ID: "c2"})
			require.ErrorIs(t, err, driver.ErrClosed)
			require.NoError(t, d.Close())
		})
	}
}

func TestCallContext(t *testing.T) {
	d, err := startHelper(t, "hang-call", driver.Options{})
	require.NoError(t, err)
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = d.Call(ctx, driver.CallMessage{ID: "c1"})
	require.ErrorIs(t, err, driver.ErrTimeout)
	require.ErrorIs(t, err, context.Canceled)
}

func TestCloseFailures(t *testing.T) {
	tests := []struct {
		mode   string
		want   error
		inText string
	}{
		{mode: "ignore-bye", want: driver.ErrTimeout, inText: "still running 200ms after bye, killed"},
		{mode: "fail-bye", want: driver.ErrExited, inText: "exit status 3 after bye"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			opts := driver.Options{}
			if tt.want == driver.ErrTimeout {
				opts.ByeTimeout = 200 * time.Millisecond
			}
			d, err := startHelper(t, tt.mode, opts)
			require.NoError(t, err)
			err = d.Close()
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.inText)
		})
	}
}

func TestStartBadCommand(t *testing.T) {
	tests := []struct {
		name    string
		command string
		want    error
	}{
		{name: "empty", command: "  ", want: driver.ErrCommand},
		{name: "unterminated quote", command: `node 'driver.js`, want: driver.ErrCommand},
		{name: "not found", command: "/nonexistent/phlomock-driver", want: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := driver.Start(context.Background(), tt.command, driver.Options{})
			require.Nil(t, d)
			require.ErrorIs(t, err, tt.want)
			var de *driver.DriverError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "start", de.Op)
		})
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{line: "node driver.js", want: []string{"node", "driver.js"}},
		{line: "  python3\t-u  driver.py \n", want: []string{"python3", "-u", "driver.py"}},
		{line: `'/path with spaces/drv' --flag`, want: []string{"/path with spaces/drv", "--flag"}},
		{line: `drv "a \"b\" \c $d" 'it''s'`, want: []string{"drv", `a "b" \c $d`, "its"}},
		{line: `drv a\ b \'c`, want: []string{"drv", "a b", "'c"}},
		{line: `drv "" ''`, want: []string{"drv", "", ""}},
		{line: `drv $HOME *.go;ls`, want: []string{"drv", "$HOME", "*.go;ls"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := driver.SplitCommand(tt.line)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	for _, bad := range []string{"", "   ", `a "b`, `a 'b`, `a\`} {
		_, err := driver.SplitCommand(bad)
		assert.ErrorIs(t, err, driver.ErrCommand, "SplitCommand(%q)", bad)
	}
}

func TestStderrIsBounded(t *testing.T) {
	var seen strings.Builder
	d, err := startHelper(t, "garbage-result", driver.Options{StderrLimit: 10, Stderr: &seen})
	require.NoError(t, err)
	_, err = d.Call(context.Background(), driver.CallMessage{ID: "c1"})
	require.Error(t, err)
	require.NoError(t, d.Close())
	assert.Equal(t, "[...]ge-result\n", d.Stderr(), "the last 10 bytes")
	assert.Equal(t, "helper driver in mode garbage-result\n", seen.String(), "the tee sees everything")
	var de *driver.DriverError
	require.True(t, errors.As(err, &de))
}
