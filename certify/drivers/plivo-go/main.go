// Command plivo-go is the phlomock certification driver for plivo-go
// v7.60.2, the official Go SDK. It speaks the driver protocol
// (docs/driver-protocol.md) on its standard input and output and calls the
// SDK exactly as its users would: NewPhloClient, then Phlos.Get, then the
// PHLO's MultiPartyCall and its methods.
//
// It lives in its own module so that phlomock's module does not depend on
// the SDK. Build and run it with
//
//	cd certify/drivers/plivo-go && go build -o /tmp/plivo-go-driver .
//	phlomock certify --driver /tmp/plivo-go-driver
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	plivo "github.com/plivo/plivo-go/v7"
)

const sdkVersion = "7.60.2"

// operations lists what plivo-go offers: all twelve.
var operations = []string{
	"runPhlo", "getPhlo", "getMultiPartyCall",
	"call", "warmTransfer", "coldTransfer",
	"abortTransfer", "hold", "unhold", "hangup", "resumeCall", "voicemailDrop",
}

type callMessage struct {
	Type      string `json:"type"`
	Protocol  int    `json:"protocol"` // hello
	TimeoutMS int    `json:"timeout_ms"`
	ID        string `json:"id"`
	Operation string `json:"operation"`
	BaseURL   string `json:"base_url"`
	AuthID    string `json:"auth_id"`
	AuthToken string `json:"auth_token"`
	Params    struct {
		PhloID        string            `json:"phlo_id"`
		NodeID        string            `json:"node_id"`
		MemberAddress string            `json:"member_address"`
		To            string            `json:"to"`
		Role          string            `json:"role"`
		TriggerSource string            `json:"trigger_source"`
		Payload       map[string]string `json:"payload"`
	} `json:"params"`
}

type clientError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

type result struct {
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Outcome string            `json:"outcome"`
	Fields  map[string]string `json:"fields,omitempty"`
	Error   *clientError      `json:"error,omitempty"`
	Message string            `json:"message,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	out := json.NewEncoder(os.Stdout) // Encode ends each message with "\n"
	for in.Scan() {
		var msg callMessage
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintf(os.Stderr, "plivo-go driver: bad message: %v\n", err)
			os.Exit(2)
		}
		var err error
		switch msg.Type {
		case "hello":
			err = out.Encode(map[string]any{
				"type": "hello", "protocol": speak(msg.Protocol), "client": "plivo-go", "version": sdkVersion, "operations": operations,
			})
		case "call":
			err = out.Encode(perform(msg))
		case "bye":
			return
		default:
			fmt.Fprintf(os.Stderr, "plivo-go driver: ignoring a message of type %q\n", msg.Type)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "plivo-go driver: %v\n", err)
			os.Exit(2)
		}
	}
}

func perform(msg callMessage) (r result) {
	r = result{Type: "result", ID: msg.ID}
	defer func() {
		// A panic in the SDK is the client failing, not the driver.
		if p := recover(); p != nil {
			r.Outcome, r.Fields, r.Error = "error", nil, &clientError{Status: 0, Message: fmt.Sprintf("panic: %v", p)}
		}
	}()
	fields, err := call(msg)
	switch {
	case err == errUnsupported:
		r.Outcome, r.Message = "unsupported", "plivo-go has no "+msg.Operation
	case err != nil:
		if de, ok := err.(driverError); ok {
			r.Outcome, r.Message = "driver_error", de.Error()
			break
		}
		// plivo-go returns the response body as the error's text and keeps
		// the status to itself: status 0 is what an application gets.
		r.Outcome, r.Error = "error", &clientError{Status: 0, Message: err.Error()}
	default:
		r.Outcome, r.Fields = "success", fields
	}
	return r
}

type driverError string

func (e driverError) Error() string { return string(e) }

var errUnsupported = driverError("unsupported")

// speak is the protocol version to answer a hello with: the one phlomock
// opened with when this driver knows it (1 or 2), else 2.
func speak(opened int) int {
	if opened == 1 {
		return 1
	}
	return 2
}

// call performs one operation with plivo-go and returns the fields it
// surfaced, under the API's names.
func call(msg callMessage) (map[string]string, error) {
	base, err := url.Parse(msg.BaseURL)
	if err != nil {
		return nil, driverError("bad base_url: " + err.Error())
	}
	// The timeout as plivo-go's users set it (its default is a minute):
	// the call's budget (protocol 2), or 8 s, below the call's own timeout.
	budget := 8 * time.Second
	if msg.TimeoutMS > 0 {
		budget = time.Duration(msg.TimeoutMS) * time.Millisecond
	}
	client, err := plivo.NewPhloClient(msg.AuthID, msg.AuthToken, &plivo.ClientOptions{HttpClient: &http.Client{Timeout: budget}})
	if err != nil {
		return nil, err
	}
	client.BaseUrl = base
	p := msg.Params

	if msg.Operation == "getPhlo" {
		phlo, err := client.Phlos.Get(p.PhloID)
		if err != nil {
			return nil, err
		}
		return map[string]string{"api_id": phlo.ApiId, "phlo_id": phlo.PhloId, "name": phlo.Name, "created_on": phlo.CreatedOn}, nil
	}

	// Everything else starts from the PHLO, as plivo-go's users must.
	phlo, err := client.Phlos.Get(p.PhloID)
	if err != nil {
		return nil, err
	}
	if msg.Operation == "runPhlo" {
		var data map[string]interface{}
		if p.Payload != nil {
			data = make(map[string]interface{}, len(p.Payload))
			for k, v := range p.Payload {
				data[k] = v
			}
		}
		run, err := phlo.Run(data)
		if err != nil {
			return nil, err
		}
		return map[string]string{"api_id": run.ApiID, "phlo_run_id": run.PhloRunID, "phlo_id": run.PhloID, "message": run.Message}, nil
	}

	mpc, err := phlo.MultiPartyCall(p.NodeID)
	if err != nil {
		return nil, err
	}
	if msg.Operation == "getMultiPartyCall" {
		return map[string]string{
			"api_id": mpc.ApiID, "node_id": mpc.NodeID, "phlo_id": mpc.PhloID,
			"name": mpc.Name, "node_type": mpc.NodeType, "created_on": mpc.CreatedOn,
		}, nil
	}

	// plivo-go's Call, WarmTransfer and ColdTransfer do not set the action:
	// its users have to, so the driver does too.
	payload := plivo.PhloMultiPartyCallActionPayload{To: p.To, Role: p.Role, TriggerSource: p.TriggerSource}
	member := mpc.Member(p.MemberAddress)
	var res *plivo.NodeActionResponse
	switch msg.Operation {
	case "call":
		payload.Action = "call"
		res, err = mpc.Call(payload)
	case "warmTransfer":
		payload.Action = "warm_transfer"
		res, err = mpc.WarmTransfer(payload)
	case "coldTransfer":
		payload.Action = "cold_transfer"
		res, err = mpc.ColdTransfer(payload)
	case "abortTransfer":
		res, err = member.AbortTransfer()
	case "hold":
		res, err = member.Hold()
	case "unhold":
		res, err = member.UnHold()
	case "hangup":
		res, err = member.HangUp()
	case "resumeCall":
		res, err = member.ResumeCall()
	case "voicemailDrop":
		res, err = member.VoiceMailDrop()
	default:
		return nil, errUnsupported
	}
	if err != nil {
		return nil, err
	}
	return map[string]string{"api_id": res.ApiID, "error": res.Error}, nil
}
