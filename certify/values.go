package certify

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// The value space the cases draw from (Vary): every form the contract and
// the protocol allow for each field. A client is judged only on what it
// is shown, so each run shows it other forms, chosen by the seed.
var (
	// memberForms are member addresses: E.164 with and without the +, SIP
	// URIs with the characters a user part may hold.
	memberForms = []string{"+14152223333", "14152223333", "+442071838750", "sip:alice123@phone.plivo.com", "sip:zoe.o-neil_2@phone.plivo.com"}
	// toForms are the to and trigger_source values.
	toForms = []string{"+14152225555", "14152225555", "+919876543210", "sip:bob-smith@phone.plivo.com"}
	// payloadTexts are Start node values: quotes, a backslash, a slash,
	// markup, accents, an emoji, CJK, a newline.
	payloadTexts = []string{"Zoë \"the agent\"", `C:\calls\today`, "<b>☎ 24/7</b>", "naïve café 😀", "日本語", "line\nbreak"}
)

// ValueSpace describes what Vary draws from, for the reports.
func ValueSpace() []string {
	return []string{
		"phlo_id, node_id: a UUID of its own per case (requests are attributed to the case that made them)",
		"member_address: " + strings.Join(memberForms, ", ") + " (hold/sip-address: always a SIP URI)",
		"to, trigger_source: " + strings.Join(toForms, ", "),
		"runPhlo payload: from and to of those forms, and a text var of: " + strings.Join(quoteAll(payloadTexts), ", "),
		"Retry-After: seconds (OP/rate-limited) and an HTTP date (OP/rate-limited-date)",
		"member actions repeated and reordered on a simulated call, each answered as the call model says (member " + MemberAddress + "): " + describeSequences(),
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// Vary gives every case values drawn with seed from the value space: the
// same seed, the same values. Each case gets PHLO and node ids of its own
// (a UUID derived from the seed and its position), so that a request
// arriving after its call returned is attributed to the case that made it.
func Vary(cases []Case, seed uint64) []Case {
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	out := make([]Case, len(cases))
	for i, c := range cases {
		p := c.Params
		p.PhloID = caseUUID(rnd)
		if p.NodeID != "" {
			p.NodeID = caseUUID(rnd)
		}
		if p.MemberAddress != "" {
			if strings.HasPrefix(p.MemberAddress, "sip:") {
				p.MemberAddress = memberForms[3+rnd.IntN(2)]
			} else {
				p.MemberAddress = memberForms[rnd.IntN(len(memberForms))]
			}
		}
		if p.To != "" {
			p.To = toForms[rnd.IntN(len(toForms))]
		}
		if p.TriggerSource != "" {
			p.TriggerSource = memberForms[rnd.IntN(len(memberForms))]
		}
		if p.Payload != nil {
			p.Payload = map[string]string{"from": memberForms[rnd.IntN(3)], "to": toForms[rnd.IntN(len(toForms))], "note": payloadTexts[rnd.IntN(len(payloadTexts))]}
		}
		c.Params = p
		out[i] = c
	}
	return out
}

func caseUUID(rnd *rand.Rand) string {
	a, b := rnd.Uint64(), rnd.Uint64()
	a = a&^0xf000 | 0x4000     // version 4
	b = b&^(0xc<<60) | 0x8<<60 // variant 10
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// owned maps PHLO ids to the case (its index in the run) that uses them:
// each case's own, and the ids of its shrinking tries.
type owned struct {
	mu   sync.RWMutex
	byID map[string]int
}

// owners maps each case's PHLO id to its index in cases.
func owners(cases []Case) *owned {
	o := &owned{byID: make(map[string]int, len(cases))}
	for i, c := range cases {
		if c.Params.PhloID != "" {
			if _, dup := o.byID[c.Params.PhloID]; !dup {
				o.byID[c.Params.PhloID] = i
			}
		}
	}
	return o
}

func (o *owned) add(phloID string, i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.byID[phloID] = i
}

func (o *owned) of(phloID string) (int, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	i, ok := o.byID[phloID]
	return i, ok
}

// lateFinding is the finding of a request another case's journal caught
// (or the lane's grace period after its last case).
func lateFinding(c Case, e *mockserver.Entry) Finding {
	return Finding{Code: CodeSentAfterReturn, Case: c.ID, Message: scrub(fmt.Sprintf(
		"%s arrived after the call had returned: a client that sends in the background or twice surprises its caller, and its request is blamed on another call", describeEntry(e)))}
}

// attribute splits a case's journal: the requests of the case, and those
// of other cases (by their PHLO id) that arrived late.
func attribute(entries []*mockserver.Entry, own *owned, self int) (mine []*mockserver.Entry, late map[int][]*mockserver.Entry) {
	for _, e := range entries {
		if i, ok := own.of(e.PathParams["phlo_id"]); ok && i != self {
			if late == nil {
				late = map[int][]*mockserver.Entry{}
			}
			late[i] = append(late[i], e)
			continue
		}
		mine = append(mine, e)
	}
	return mine, late
}

// sentOutside splits a call's requests: those the fake began to answer
// while the call ran, and those after it returned or, when before is set
// (a later call of a sequence), before it was sent.
func sentOutside(entries []*mockserver.Entry, sent, returned time.Time, before bool) (during, outside []*mockserver.Entry) {
	for _, e := range entries {
		if e.Time.After(returned) || (before && e.Time.Before(sent)) {
			outside = append(outside, e)
			continue
		}
		during = append(during, e)
	}
	return during, outside
}

// entryKey identifies a journal entry across two reads of the journal.
func entryKey(e *mockserver.Entry) string {
	return fmt.Sprint(e.Time.UnixNano(), " ", e.Method, " ", e.Path, "?", e.RawQuery, " ", e.Status)
}
