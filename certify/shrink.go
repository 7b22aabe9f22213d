package certify

import (
	"context"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/certify/driver"
)

// Shrinking bounds: the tries one failing case may take, and how many
// failed cases a run shrinks (the first, in case order).
const (
	shrinkTriesPerCase = 8
	shrinkCasesPerRun  = 12
)

// Shrunk is a failing case shrunk to the smallest input that still fails
// with the same finding codes, as conform shrinks a failing request: fewer
// calls in a sequence, the plainest form of each address, a payload text
// in plain ASCII. Every input tried is valid, so a client is never shown
// what the contract refuses.
type Shrunk struct {
	// Params and Before are the smallest failing input: the case's own
	// call's parameters, and the calls of its sequence before it.
	Params driver.Params `json:"params"`
	Before []string      `json:"before,omitempty"`
	// Tries is how many smaller inputs were run; Reduced whether one of
	// them still failed (false: the drawn input is already the smallest
	// the shrinker finds).
	Tries   int  `json:"tries"`
	Reduced bool `json:"reduced"`
}

// Call is the driver protocol's call message of the smallest input
// (docs/driver-protocol.md), without base URL and credentials: what to
// send a driver to reproduce the failure by hand.
func (s *Shrunk) Call(c Case) string {
	b, _ := json.Marshal(struct {
		Type      string        `json:"type"`
		ID        string        `json:"id"`
		Operation string        `json:"operation"`
		Params    driver.Params `json:"params"`
	}{driver.TypeCall, c.ID, c.Operation, s.Params})
	return string(b)
}

// shrinkable: the cases on time and configuration depend on more than
// their input (and cost seconds a try).
func shrinkable(c Case) bool {
	return !firstOffered(c) && (c.Trouble == nil || c.Trouble.RetryAt == 0 && c.Trouble.Status != 429)
}

// shrinkSteps are the reductions tried, in order, each on the smallest
// failing input so far: drop each call of a sequence, then make each
// drawn value its plainest valid form.
func shrinkSteps(c Case) []func(Case) (Case, bool) {
	var steps []func(Case) (Case, bool)
	if c.Sequence != nil {
		for i := len(c.Sequence.Before) - 1; i >= 0; i-- {
			steps = append(steps, func(c Case) (Case, bool) {
				if i >= len(c.Sequence.Before) {
					return c, false
				}
				s := *c.Sequence
				s.Before = slices.Delete(slices.Clone(s.Before), i, i+1)
				c.Sequence = &s
				return c, true
			})
		}
	}
	set := func(get func(*driver.Params) *string, plain string) func(Case) (Case, bool) {
		return func(c Case) (Case, bool) {
			v := get(&c.Params)
			if *v == "" || *v == plain {
				return c, false
			}
			*v = plain
			return c, true
		}
	}
	plainMember := memberForms[0]
	if strings.HasPrefix(c.Params.MemberAddress, "sip:") {
		plainMember = memberForms[3] // a SIP case stays a SIP case
	}
	steps = append(steps,
		set(func(p *driver.Params) *string { return &p.MemberAddress }, plainMember),
		set(func(p *driver.Params) *string { return &p.To }, toForms[0]),
		set(func(p *driver.Params) *string { return &p.TriggerSource }, memberForms[0]),
	)
	// each payload var its plainest: the addresses, then the text in
	// plain ASCII, then without the text
	for _, kv := range [][2]string{{"from", memberForms[0]}, {"to", toForms[0]}, {"note", "a"}} {
		steps = append(steps, func(c Case) (Case, bool) {
			if v, ok := c.Params.Payload[kv[0]]; !ok || v == kv[1] {
				return c, false
			}
			p := maps.Clone(c.Params.Payload)
			p[kv[0]] = kv[1]
			c.Params.Payload = p
			return c, true
		})
	}
	steps = append(steps, func(c Case) (Case, bool) {
		if _, ok := c.Params.Payload["note"]; !ok {
			return c, false
		}
		p := maps.Clone(c.Params.Payload)
		delete(p, "note")
		c.Params.Payload = p
		return c, true
	})
	return steps
}

// shrink runs smaller inputs of c, which failed with res, on the same
// driver and fake, and keeps the smallest that fails with the same codes.
// The requests of other cases its tries' journals catch are not judged
// again: the run's grace period has passed.
func (r *Runner) shrink(ctx context.Context, f *lane, d *driver.Driver, contract *contractIndex, hello driver.HelloInfo, c Case, res Result, own *owned, self int) *Shrunk {
	want := codesOf(res.Findings)
	cur := c
	rnd := rand.New(rand.NewPCG(r.Seed, uint64(self)))
	s := &Shrunk{}
	for _, step := range shrinkSteps(c) {
		if s.Tries >= shrinkTriesPerCase {
			break
		}
		cand, changed := step(cur)
		if !changed {
			continue
		}
		s.Tries++
		// Ids of its own, so that what a client remembers of an earlier
		// try (a cache, a dedupe) does not decide this one.
		try := cand
		try.Params.PhloID = caseUUID(rnd)
		if try.Params.NodeID != "" {
			try.Params.NodeID = caseUUID(rnd)
		}
		own.add(try.Params.PhloID, self)
		got, _, _, err := r.runCase(ctx, f, d, contract, hello, try, own, self)
		if err != nil {
			break // the driver's trouble: the run's next case says it
		}
		if got.Verdict == VerdictFail && slices.Equal(codesOf(got.Findings), want) {
			cur, s.Reduced = cand, true
		}
	}
	if s.Tries == 0 {
		return nil
	}
	s.Params = cur.Params
	if cur.Sequence != nil {
		s.Before = cur.Sequence.Before
	}
	return s
}
