package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// An operation is one call of the API as this client makes it. The methods
// below take their method, path and action from here, and a test compares
// this table with the contract, so neither can drift from the other.
type operation struct {
	name        string // the Client method
	operationID string // the spec's operationId
	action      string // the body's "action" discriminator; "" when none
	method      string
	path        string // template; placeholders are filled in order
	request     any    // zero value of the request body; nil when none
	response    any    // zero value of the 2xx body
}

const (
	runPath    = "/v1/account/{auth_id}/phlo/{phlo_id}"
	phloPath   = "/v1/phlo/{phlo_id}"
	nodePath   = "/v1/phlo/{phlo_id}/multi_party_call/{node_id}"
	memberPath = "/v1/phlo/{phlo_id}/multi_party_call/{node_id}/members/{member_address}"
	// The legacy conference bridge node, known from plivo-python only.
	bridgePath       = "/v1/phlo/{phlo_id}/conference_bridge/{node_id}"
	bridgeMemberPath = "/v1/phlo/{phlo_id}/conference_bridge/{node_id}/members/{member_address}"
)

var (
	opRunPHLO       = &operation{"RunPHLO", "runPhlo", "", http.MethodPost, runPath, map[string]string{}, RunResult{}}
	opGetPHLO       = &operation{"GetPHLO", "getPhlo", "", http.MethodGet, phloPath, nil, PHLO{}}
	opGetNode       = &operation{"GetNode", "getMultiPartyCall", "", http.MethodGet, nodePath, nil, Node{}}
	opCall          = nodeOp("Call", "call")
	opWarmTransfer  = nodeOp("WarmTransfer", "warm_transfer")
	opColdTransfer  = nodeOp("ColdTransfer", "cold_transfer")
	opAbortTransfer = memberOp("AbortTransfer", "abort_transfer")
	opHold          = memberOp("Hold", "hold")
	opUnhold        = memberOp("Unhold", "unhold")
	opHangup        = memberOp("Hangup", "hangup")
	opResumeCall    = memberOp("ResumeCall", "resume_call")
	opVoicemailDrop = memberOp("VoicemailDrop", "voicemail_drop")
	opMute          = memberOp("Mute", "mute")
	opUnmute        = memberOp("Unmute", "unmute")

	opGetConferenceBridge = &operation{"GetConferenceBridge", "getConferenceBridge", "", http.MethodGet, bridgePath, nil, Node{}}
	opConferenceMute      = bridgeMemberOp("ConferenceMute", "mute")
	opConferenceUnmute    = bridgeMemberOp("ConferenceUnmute", "unmute")
	opConferenceHangup    = bridgeMemberOp("ConferenceHangup", "hangup")
)

// operations lists every operation of the client, in the spec's order.
var operations = []*operation{
	opRunPHLO, opGetPHLO, opGetNode,
	opCall, opWarmTransfer, opColdTransfer,
	opAbortTransfer, opHold, opUnhold, opHangup, opResumeCall, opVoicemailDrop,
	opMute, opUnmute,
	opGetConferenceBridge, opConferenceMute, opConferenceUnmute, opConferenceHangup,
}

func nodeOp(name, action string) *operation {
	return &operation{name, "updateMultiPartyCall", action, http.MethodPost, nodePath, nodeActionRequest{}, ActionResult{}}
}

func memberOp(name, action string) *operation {
	return &operation{name, "updateMember", action, http.MethodPost, memberPath, memberActionRequest{}, ActionResult{}}
}

func bridgeMemberOp(name, action string) *operation {
	return &operation{name, "updateConferenceMember", action, http.MethodPost, bridgeMemberPath, memberActionRequest{}, ActionResult{}}
}

// ErrUnknownAction is returned, before anything is sent, by NodeAction and
// MemberAction for an action the client does not have.
var ErrUnknownAction = errors.New("unknown action")

// action finds the operation of operationID whose body's action is action.
func action(operationID, action string) (*operation, error) {
	for _, op := range operations {
		if op.operationID == operationID && op.action == action && action != "" {
			return op, nil
		}
	}
	return nil, fmt.Errorf("%w %q for %s", ErrUnknownAction, action, operationID)
}

// ErrEmptyParameter is returned, before anything is sent, when an id or
// address that goes into the path is empty.
var ErrEmptyParameter = errors.New("empty path parameter")

// expand fills the template's placeholders with params, escaped as path
// segments: '+', ':' and '@' stay as they are, so "+14152223333" and
// "sip:alice@phone.plivo.com" reach the server verbatim, while '/', '?' and
// '%' are escaped.
func expand(template string, params []string) (string, error) {
	var b strings.Builder
	rest := template
	for _, p := range params {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("too many parameters for %s", template)
		}
		if p == "" {
			return "", fmt.Errorf("%w %s", ErrEmptyParameter, rest[i+1:j])
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(p))
		rest = rest[j+1:]
	}
	if strings.IndexByte(rest, '{') >= 0 {
		return "", fmt.Errorf("too few parameters for %s", template)
	}
	b.WriteString(rest)
	return b.String(), nil
}

// Role is the part a user plays in a multi-party call.
type Role string

const (
	RoleAgent    Role = "agent"
	RoleCustomer Role = "customer"
)

// CallParams are the parameters of Call, WarmTransfer and ColdTransfer.
type CallParams struct {
	// To is the phone number (E.164, "+14152225555") or SIP endpoint
	// ("sip:alice123@phone.plivo.com") of the user to add or transfer to.
	To string
	// Role of that user. Empty means RoleAgent, the API's default, which
	// the client then sends explicitly: the contract requires the field.
	Role Role
	// TriggerSource is the phone number or SIP endpoint of the agent who
	// triggers the action.
	TriggerSource string
}

// WarmTransferParams and ColdTransferParams name CallParams after the
// action they are given to.
type (
	WarmTransferParams = CallParams
	ColdTransferParams = CallParams
)

// nodeActionRequest is the body of a node action. Every field is sent, even
// empty: the contract requires each of them, and the server, not the
// client, says what is wrong with a value.
type nodeActionRequest struct {
	Action        string `json:"action"`
	To            string `json:"to"`
	Role          Role   `json:"role"`
	TriggerSource string `json:"trigger_source"`
}

// memberActionRequest is the body of a member action.
type memberActionRequest struct {
	Action string `json:"action"`
}

// RunResult is the answer of RunPHLO.
type RunResult struct {
	APIID     string `json:"api_id"`
	PHLOID    string `json:"phlo_id"`
	PHLORunID string `json:"phlo_run_id"`
	Message   string `json:"message"`
}

// PHLO is the answer of GetPHLO.
type PHLO struct {
	APIID  string `json:"api_id"`
	PHLOID string `json:"phlo_id"`
	Name   string `json:"name"`
	// CreatedOn is given as the server formats it, such as
	// "2020-08-01 09:05:11.846982+00:00".
	CreatedOn string `json:"created_on"`
}

// Node is the answer of GetNode: a multi-party call node of a PHLO.
type Node struct {
	APIID     string `json:"api_id"`
	NodeID    string `json:"node_id"`
	PHLOID    string `json:"phlo_id"`
	Name      string `json:"name"`
	NodeType  string `json:"node_type"`
	CreatedOn string `json:"created_on"`
}

// ActionResult is the answer of a node or member action.
type ActionResult struct {
	APIID string `json:"api_id"`
	// Error is empty on success.
	Error string `json:"error"`
}

// RunPHLO runs the PHLO phloID of the client's account. payload holds the
// values the PHLO's Start node expects (such as "from" and "to"); a nil
// payload sends no body at all.
func (c *Client) RunPHLO(ctx context.Context, phloID string, payload map[string]string) (*RunResult, error) {
	var body any
	if payload != nil {
		body = payload
	}
	var out RunResult
	if err := c.do(ctx, opRunPHLO, []string{c.authID, phloID}, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPHLO returns the PHLO phloID.
func (c *Client) GetPHLO(ctx context.Context, phloID string) (*PHLO, error) {
	var out PHLO
	if err := c.do(ctx, opGetPHLO, []string{phloID}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetNode returns the multi-party call node nodeID of the PHLO phloID.
func (c *Client) GetNode(ctx context.Context, phloID, nodeID string) (*Node, error) {
	var out Node
	if err := c.do(ctx, opGetNode, []string{phloID, nodeID}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Call dials p.To and adds that user to the multi-party call with p.Role.
func (c *Client) Call(ctx context.Context, phloID, nodeID string, p CallParams) (*ActionResult, error) {
	return c.sendNodeAction(ctx, opCall, phloID, nodeID, p)
}

// WarmTransfer transfers the call that p.TriggerSource shares with another
// member to p.To, letting p.TriggerSource and p.To talk privately before the
// other member joins them.
func (c *Client) WarmTransfer(ctx context.Context, phloID, nodeID string, p CallParams) (*ActionResult, error) {
	return c.sendNodeAction(ctx, opWarmTransfer, phloID, nodeID, p)
}

// ColdTransfer connects the member that p.TriggerSource is talking with
// directly to p.To; p.TriggerSource leaves the call.
func (c *Client) ColdTransfer(ctx context.Context, phloID, nodeID string, p CallParams) (*ActionResult, error) {
	return c.sendNodeAction(ctx, opColdTransfer, phloID, nodeID, p)
}

// AbortTransfer cancels a transfer. memberAddress is the member who started
// it.
func (c *Client) AbortTransfer(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opAbortTransfer, phloID, nodeID, memberAddress)
}

// Hold mutes the member; the others hear the node's hold music.
func (c *Client) Hold(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opHold, phloID, nodeID, memberAddress)
}

// Unhold takes the member off hold.
func (c *Client) Unhold(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opUnhold, phloID, nodeID, memberAddress)
}

// Hangup disconnects the member.
func (c *Client) Hangup(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opHangup, phloID, nodeID, memberAddress)
}

// ResumeCall resumes the member's call.
func (c *Client) ResumeCall(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opResumeCall, phloID, nodeID, memberAddress)
}

// VoicemailDrop drops a voicemail for the member.
func (c *Client) VoicemailDrop(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opVoicemailDrop, phloID, nodeID, memberAddress)
}

// Mute mutes the member: the others stop hearing them, and unlike Hold
// they stay in the conversation. From plivo-python, not Plivo's docs.
func (c *Client) Mute(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opMute, phloID, nodeID, memberAddress)
}

// Unmute lets a muted member be heard again. From plivo-python.
func (c *Client) Unmute(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opUnmute, phloID, nodeID, memberAddress)
}

// GetConferenceBridge returns the legacy conference bridge node nodeID of
// the PHLO phloID. The node type is known from plivo-python only.
func (c *Client) GetConferenceBridge(ctx context.Context, phloID, nodeID string) (*Node, error) {
	var out Node
	if err := c.do(ctx, opGetConferenceBridge, []string{phloID, nodeID}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ConferenceMute mutes a member of a conference bridge node.
func (c *Client) ConferenceMute(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opConferenceMute, phloID, nodeID, memberAddress)
}

// ConferenceUnmute unmutes a member of a conference bridge node.
func (c *Client) ConferenceUnmute(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opConferenceUnmute, phloID, nodeID, memberAddress)
}

// ConferenceHangup disconnects a member of a conference bridge node.
func (c *Client) ConferenceHangup(ctx context.Context, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	return c.sendMemberAction(ctx, opConferenceHangup, phloID, nodeID, memberAddress)
}

// NodeAction performs the node action named by the body's action value
// ("call", "warm_transfer" or "cold_transfer"), as Call, WarmTransfer and
// ColdTransfer do: for callers that hold the action as data, such as a
// certification driver. Any other action returns ErrUnknownAction.
func (c *Client) NodeAction(ctx context.Context, phloID, nodeID, actionName string, p CallParams) (*ActionResult, error) {
	op, err := action(opCall.operationID, actionName)
	if err != nil {
		return nil, err
	}
	return c.sendNodeAction(ctx, op, phloID, nodeID, p)
}

// MemberAction performs the member action named by the body's action value
// ("hold", "hangup", "resume_call", ...), as the methods of the same name
// do. Any other action returns ErrUnknownAction.
func (c *Client) MemberAction(ctx context.Context, phloID, nodeID, memberAddress, actionName string) (*ActionResult, error) {
	op, err := action(opHold.operationID, actionName)
	if err != nil {
		return nil, err
	}
	return c.sendMemberAction(ctx, op, phloID, nodeID, memberAddress)
}

func (c *Client) sendNodeAction(ctx context.Context, op *operation, phloID, nodeID string, p CallParams) (*ActionResult, error) {
	role := p.Role
	if role == "" {
		role = RoleAgent
	}
	body := nodeActionRequest{Action: op.action, To: p.To, Role: role, TriggerSource: p.TriggerSource}
	var out ActionResult
	if err := c.do(ctx, op, []string{phloID, nodeID}, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) sendMemberAction(ctx context.Context, op *operation, phloID, nodeID, memberAddress string) (*ActionResult, error) {
	var out ActionResult
	if err := c.do(ctx, op, []string{phloID, nodeID, memberAddress}, memberActionRequest{Action: op.action}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
