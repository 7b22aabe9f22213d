package callbacks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// A Target is where a node sends its callbacks, as the PHLO designer
// configures them per node: a URL and a method.
type Target struct {
	URL    string `json:"url"`
	Method string `json:"method"` // POST (when empty) or GET
}

// ErrBadTarget is wrapped by the errors of CheckTarget.
var ErrBadTarget = errors.New("bad callback target")

// CheckTarget reports what is wrong with t, if anything: an absolute
// http or https URL with a host, and a method of POST or GET.
func CheckTarget(t Target) error {
	u, err := url.Parse(t.URL)
	switch {
	case err != nil:
		return fmt.Errorf("%w: url %q: %v", ErrBadTarget, t.URL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: url %q: want an http:// or https:// URL", ErrBadTarget, t.URL)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%w: url %q: no host", ErrBadTarget, t.URL)
	case u.User != nil:
		return fmt.Errorf("%w: url %q: credentials in a callback URL would be sent in the clear to every attempt's journal; leave them out", ErrBadTarget, t.URL)
	case u.Fragment != "":
		return fmt.Errorf("%w: url %q: a fragment is never sent", ErrBadTarget, t.URL)
	}
	switch strings.ToUpper(t.Method) {
	case "", "POST", "GET":
		return nil
	}
	return fmt.Errorf("%w: method %q: want POST or GET", ErrBadTarget, t.Method)
}

func (t Target) method() string {
	if t.Method == "" {
		return "POST"
	}
	return strings.ToUpper(t.Method)
}

// A Fault changes how the callbacks it selects are delivered, so that a
// webhook handler can be tested for idempotency, order and signature
// checks. Selectors (all given must match): Event, Action, Nth. Effects:
// any of the rest.
type Fault struct {
	// Event selects callbacks of one event kind.
	Event Kind
	// Action selects the callbacks fired by one kind of action (call,
	// cold_transfer, hangup...).
	Action string
	// Nth selects the Nth callback (from 1) of the scenario set, in the
	// order they were queued; 0: every one.
	Nth int

	// Delay holds the callback back before its first attempt (drawn
	// between Delay and DelayMax when DelayMax is larger). The callbacks
	// of the same call queued after it wait too: order is kept.
	Delay, DelayMax time.Duration
	// Drop never sends the callback (journaled as dropped).
	Drop bool
	// Duplicate sends that many extra copies, each with its own nonce.
	Duplicate int
	// Reorder sends the callback after the next one of the same call (or
	// after Config.ReorderWait when none comes).
	Reorder bool
	// BadSignature signs the callback with a wrong token.
	BadSignature bool
	// Fail makes the node report Failed after the action, instead of the
	// callbacks the action would fire (Event and Nth do not apply).
	Fail bool
}

// String names the fault's effects for the journal.
func (f Fault) String() string {
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay")
	}
	if f.Drop {
		parts = append(parts, "drop")
	}
	if f.Duplicate > 0 {
		parts = append(parts, "duplicate")
	}
	if f.Reorder {
		parts = append(parts, "reorder")
	}
	if f.BadSignature {
		parts = append(parts, "bad-signature")
	}
	if f.Fail {
		parts = append(parts, "fail")
	}
	return strings.Join(parts, ",")
}

func (f Fault) selects(action string, kind Kind, nth int) bool {
	return (f.Event == "" || f.Event == kind) && (f.Action == "" || f.Action == action) && (f.Nth == 0 || f.Nth == nth)
}
