package scenarios

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"gopkg.in/yaml.v3"
)

// NodeCallbacks are where a node sends its event callbacks, as the PHLO
// designer configures them per node:
//
//	callbacks:
//	  url: http://127.0.0.1:9000/events   # or urls: [..., ...]
//	  method: POST                        # POST (default) or GET
//	  from: "+14155550100"                # the node's caller id (optional)
type NodeCallbacks struct {
	Pos    Pos
	URLs   []string
	Method string
	From   string
}

// Callbacks is a scenario's top-level callbacks key: the faults its
// callbacks are delivered with.
//
//	callbacks:
//	  faults:
//	    - {event: ConferenceExit, drop: true}
//	    - {nth: 2, duplicate: 1}
type Callbacks struct {
	Pos    Pos
	Faults []CallbackFault
}

// CallbackFault changes how the callbacks it selects are delivered.
// Selectors (all given must match): Event, Action, Nth. Effects: the rest,
// at least one. Package callbacks documents each.
type CallbackFault struct {
	Pos          Pos
	Event        string
	Action       string
	Nth          int
	Delay        Delay
	Drop         bool
	Duplicate    int
	Reorder      bool
	BadSignature bool
	Fail         bool
}

// CallbackEvents are the values of the event selector.
var CallbackEvents = []string{"ConferenceEnter", "ConferenceExit", "Redirect", "Completed", "Failed"}

// callbackActions are the values of the action selector: the actions of
// the call model.
var callbackActions = []string{"call", "warm_transfer", "cold_transfer", "abort_transfer", "hold", "unhold",
	"hangup", "resume_call", "voicemail_drop", "mute", "unmute"}

func (d *decoder) nodeCallbacks(n *yaml.Node) *NodeCallbacks {
	nc := &NodeCallbacks{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "url":
			nc.URLs = append(nc.URLs, d.str(v))
		case "urls":
			d.seq(v, func(n *yaml.Node) { nc.URLs = append(nc.URLs, d.str(n)) })
		case "method":
			nc.Method = d.str(v)
		case "from":
			nc.From = d.str(v)
		default:
			return false
		}
		return true
	})
	return nc
}

func (d *decoder) callbacks(n *yaml.Node) Callbacks {
	c := Callbacks{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		if key != "faults" {
			return false
		}
		d.seq(v, func(n *yaml.Node) { c.Faults = append(c.Faults, d.callbackFault(n)) })
		return true
	})
	return c
}

func (d *decoder) callbackFault(n *yaml.Node) CallbackFault {
	f := CallbackFault{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "event":
			f.Event = d.str(v)
		case "action":
			f.Action = d.str(v)
		case "nth":
			f.Nth = d.int(v)
		case "delay":
			f.Delay = d.delay(v)
		case "drop":
			f.Drop = d.bool(v)
		case "duplicate":
			f.Duplicate = d.int(v)
		case "reorder":
			f.Reorder = d.bool(v)
		case "bad_signature":
			f.BadSignature = d.bool(v)
		case "fail":
			f.Fail = d.bool(v)
		default:
			return false
		}
		return true
	})
	return f
}

// callbacks checks the world's callback targets and the faults.
func (v *validator) callbacks() {
	for _, p := range v.s.World.PHLOs {
		for _, n := range p.Nodes {
			if n.Callbacks == nil {
				continue
			}
			c := n.Callbacks
			if len(c.URLs) == 0 {
				v.errorf(c.Pos, "node %s: callbacks without a url: want url: http://... or urls: [...]", n.ID)
			}
			for _, raw := range c.URLs {
				if msg := checkCallbackURL(raw); msg != "" {
					v.errorf(c.Pos, "node %s: callback url %q: %s", n.ID, raw, msg)
				}
			}
			if m := strings.ToUpper(c.Method); m != "" && m != "POST" && m != "GET" {
				v.errorf(c.Pos, "node %s: callback method %q: want POST or GET", n.ID, c.Method)
			}
		}
	}
	for i, f := range v.s.Callbacks.Faults {
		where := fmt.Sprintf("callback fault %d", i+1)
		if f.Event != "" && !slices.Contains(CallbackEvents, f.Event) {
			v.errorf(f.Pos, "%s: unknown event %q%s: want one of %s", where, f.Event, didYouMean(f.Event, CallbackEvents), strings.Join(CallbackEvents, ", "))
		}
		if f.Action != "" && !slices.Contains(callbackActions, f.Action) {
			v.errorf(f.Pos, "%s: unknown action %q%s: want one of %s", where, f.Action, didYouMean(f.Action, callbackActions), strings.Join(callbackActions, ", "))
		}
		if f.Nth < 0 {
			v.errorf(f.Pos, "%s: nth %d: want 1 or more (the Nth callback), or leave it out", where, f.Nth)
		}
		if f.Duplicate < 0 {
			v.errorf(f.Pos, "%s: duplicate %d: want the number of extra copies, 1 or more", where, f.Duplicate)
		}
		if f.Delay.Min > f.Delay.Max {
			v.errorf(f.Delay.Pos, "%s: delay min %v is above max %v", where, f.Delay.Min, f.Delay.Max)
		}
		if f.Delay.IsZero() && !f.Drop && f.Duplicate == 0 && !f.Reorder && !f.BadSignature && !f.Fail {
			v.errorf(f.Pos, "%s has no effect: want delay, drop, duplicate, reorder, bad_signature or fail", where)
		}
		if f.Fail && (f.Event != "" || f.Nth != 0) {
			v.errorf(f.Pos, "%s: fail selects by action only: the node fails instead of sending the action's events, so event and nth cannot apply", where)
		}
		if f.Drop && (f.Duplicate > 0 || f.Reorder || !f.Delay.IsZero() || f.BadSignature) {
			v.errorf(f.Pos, "%s: drop sends nothing, so its other effects cannot apply: keep drop alone", where)
		}
	}
}

// checkCallbackURL says what is wrong with a callback URL ("" when
// nothing is): the allow-list is the fake's to check, when it sends.
func checkCallbackURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return err.Error()
	case u.Scheme != "http" && u.Scheme != "https":
		return "want an http:// or https:// URL"
	case u.Hostname() == "":
		return "no host"
	case u.User != nil:
		return "leave credentials out of a callback URL"
	}
	return ""
}

func didYouMean(word string, options []string) string {
	if near := didyoumean.Closest(word, options); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}
