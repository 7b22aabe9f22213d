package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	certdriver "github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/internal/jsontype"
)

// runDriver puts the reference Go client behind the certification driver
// protocol (docs/driver-protocol.md), so that
// `phlomock certify --driver 'phlomock driver'` certifies it.
// It reads phlomock's messages from m.Stdin.
func (m *Main) runDriver(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("driver", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: phlomock driver")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Speaks the certification driver protocol (versions 1 and 2) on standard input and output,")
		fmt.Fprintln(stderr, "performing each call with phlomock's reference Go client. It is started by")
		fmt.Fprintln(stderr, "  phlomock certify --driver 'phlomock driver'")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Examples:")
		fmt.Fprintln(stderr, "  phlomock certify --driver 'phlomock driver'")
		fmt.Fprintln(stderr, `  printf '{"type":"hello","protocol":2}\n' | phlomock driver`)
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Exit status: 0 after bye or the end of input; 1 when its input or output fails; 2 when given an argument.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fmt.Sprintf("driver takes no arguments, got %q", fs.Args()))
	}
	return serveDriver(ctx, m.Stdin, stdout, stderr)
}

// driverMessage is any message phlomock sends: a call's fields, and the
// hello's protocol. Params stay raw so that bad params are a driver_error
// of that call, not an unreadable message.
type driverMessage struct {
	certdriver.CallMessage
	Protocol int             `json:"protocol"`
	Params   json.RawMessage `json:"params"`
}

// driverParams are a call's parameters. An absent parameter decodes to its
// zero value, which the client treats as not given: an empty role is the
// API's default, a nil payload sends no body.
type driverParams = certdriver.Params

// defaultCallBudget is the client's timeout when phlomock speaks protocol
// 1, whose calls carry no timeout_ms: below phlomock's default call
// timeout, as the protocol asks.
const defaultCallBudget = 8 * time.Second

// driverDo performs the protocol operation op with the client and returns
// what the client surfaced, under the API's field names. The actions go
// through the client by their action value, so the protocol's table
// (certdriver.Spec) is the only list of them.
func driverDo(ctx context.Context, c *client.Client, op certdriver.OperationSpec, p driverParams) (map[string]string, error) {
	switch {
	case op.NodeAction():
		return actionFields(c.NodeAction(ctx, p.PhloID, p.NodeID, op.Action, client.CallParams{To: p.To, Role: client.Role(p.Role), TriggerSource: p.TriggerSource}))
	case op.MemberAction():
		return actionFields(c.MemberAction(ctx, p.PhloID, p.NodeID, p.MemberAddress, op.Action))
	}
	switch op.Name {
	case certdriver.OpRunPhlo:
		r, err := c.RunPHLO(ctx, p.PhloID, p.Payload)
		if err != nil {
			return nil, err
		}
		return map[string]string{"api_id": r.APIID, "phlo_id": r.PHLOID, "phlo_run_id": r.PHLORunID, "message": r.Message}, nil
	case certdriver.OpGetPhlo:
		r, err := c.GetPHLO(ctx, p.PhloID)
		if err != nil {
			return nil, err
		}
		return map[string]string{"api_id": r.APIID, "phlo_id": r.PHLOID, "name": r.Name, "created_on": r.CreatedOn}, nil
	case certdriver.OpGetMultiPartyCall:
		r, err := c.GetNode(ctx, p.PhloID, p.NodeID)
		if err != nil {
			return nil, err
		}
		return map[string]string{"api_id": r.APIID, "node_id": r.NodeID, "phlo_id": r.PHLOID, "name": r.Name, "node_type": r.NodeType, "created_on": r.CreatedOn}, nil
	}
	return nil, fmt.Errorf("%w: %s", errDriverUnsupported, op.Name)
}

// errDriverUnsupported: an operation of the protocol this driver has no
// client call for. Every operation of protocol 2 has one (a test checks).
var errDriverUnsupported = errors.New("no operation in the Go client")

func actionFields(r *client.ActionResult, err error) (map[string]string, error) {
	if err != nil {
		return nil, err
	}
	return map[string]string{"api_id": r.APIID, "error": r.Error}, nil
}

// maxDriverLine bounds one message, as phlomock does.
const maxDriverLine = 1 << 20

// serveDriver answers phlomock's messages from in on out until bye or the
// end of in, logging to logw. It returns an error only when it cannot read
// or write: a call it cannot perform is answered with its outcome, and a
// message phlomock never sends is logged and skipped.
func serveDriver(ctx context.Context, in io.Reader, out, logw io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxDriverLine)
	enc := json.NewEncoder(out) // one message per line: Encode appends "\n"
	enc.SetEscapeHTML(false)
	// The HTTP client is shared so that connections to the fake are reused.
	hc := &http.Client{}
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var msg driverMessage
		if err := json.Unmarshal(line, &msg); err != nil {
			// phlomock sends only JSON objects; there is no id to answer.
			fmt.Fprintf(logw, "phlomock driver: ignoring a message: %s\n", messageProblem(err))
			continue
		}
		var reply any
		switch msg.Type {
		case certdriver.TypeHello:
			// Speak the version phlomock opened with, when it is one of ours.
			speak := certdriver.ProtocolVersion
			if msg.Protocol >= certdriver.MinProtocolVersion && msg.Protocol <= certdriver.ProtocolVersion {
				speak = msg.Protocol
			} else {
				fmt.Fprintf(logw, "phlomock driver: phlomock speaks protocol %d, this driver %d to %d\n", msg.Protocol, certdriver.MinProtocolVersion, certdriver.ProtocolVersion)
			}
			reply = certdriver.HelloInfo{Type: certdriver.TypeHello, Protocol: speak, Client: "phlomock-go", Version: client.Version, Operations: certdriver.Operations}
		case certdriver.TypeCall:
			reply = driverCall(ctx, hc, msg)
		case certdriver.TypeBye:
			return nil
		default:
			// Not answered: a later version's message may expect no answer,
			// and an unexpected answer would fail the run.
			fmt.Fprintf(logw, "phlomock driver: ignoring a message of unknown type %q\n", msg.Type)
			continue
		}
		if err := enc.Encode(reply); err != nil {
			return fmt.Errorf("write answer: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	return nil
}

// driverCall performs one call message and reports its outcome.
func driverCall(ctx context.Context, hc *http.Client, msg driverMessage) certdriver.Result {
	res := certdriver.Result{Type: certdriver.TypeResult, ID: msg.ID}
	op, ok := certdriver.Spec(msg.Operation)
	if !ok {
		res.Outcome, res.Message = certdriver.OutcomeUnsupported, fmt.Sprintf("no operation %q in the Go client", msg.Operation)
		return res
	}
	var p driverParams
	if len(msg.Params) > 0 {
		if err := json.Unmarshal(msg.Params, &p); err != nil {
			res.Outcome, res.Message = certdriver.OutcomeDriverError, "cannot parse params: "+err.Error()
			return res
		}
	}
	c := client.New(msg.AuthID, msg.AuthToken, client.WithBaseURL(msg.BaseURL), client.WithHTTPClient(hc))
	// The whole call, retries included, within the budget phlomock gives
	// (protocol 2), so that an answer held back becomes an error result.
	budget := defaultCallBudget
	if msg.TimeoutMS > 0 {
		budget = time.Duration(msg.TimeoutMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	fields, err := perform(func() (map[string]string, error) { return driverDo(ctx, c, op, p) })
	if err == nil {
		res.Outcome, res.Fields = certdriver.OutcomeSuccess, fields
		return res
	}
	// The message is err.Error(), what a Go application sees; the status
	// and api_id are what *client.APIError exposes, and 0 and none for a
	// transport error or one raised before sending.
	res.Outcome, res.Error = certdriver.OutcomeError, &certdriver.ClientError{Message: err.Error()}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		res.Error.Status, res.Error.APIID = apiErr.StatusCode, apiErr.APIID
	}
	return res
}

// perform runs do, turning a panic of the client into an error: the
// protocol wants a crash of the client reported as its error, not as the
// driver's death.
func perform(do func() (map[string]string, error)) (fields map[string]string, err error) {
	defer func() {
		if v := recover(); v != nil {
			fields, err = nil, fmt.Errorf("panic: %v", v)
		}
	}()
	return do()
}

// messageProblem words a message's decoding error in the protocol's terms
// (docs/driver-protocol.md): the field and the JSON kinds, not our Go types.
func messageProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "not a JSON object (got " + te.Value + ")"
		}
		return "field " + te.Field + ": got " + te.Value + ", want " + jsontype.Name(te.Type)
	}
	return "not a JSON object: " + err.Error()
}
