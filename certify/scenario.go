package certify

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/scenarios"
)

// caseScenario is the scenario of case c: one rule that answers the
// case's operation (and only it: the reads some SDKs make first are
// answered normally) with its trouble, or no rule for a case without one;
// a sequence's simulated call (stateful, its PHLO, node and members).
// hold is how long a Trouble.Hold answer is held before the connection
// is dropped.
func caseScenario(c Case, hold time.Duration) *scenarios.Scenario {
	s := &scenarios.Scenario{
		Version:     scenarios.Version,
		Name:        "certify-" + strings.ReplaceAll(c.ID, "/", "-"),
		Description: "what phlomock certify answered in case " + c.ID,
	}
	if c.Sequence != nil {
		// The case's call, simulated: the call model answers each action.
		s.Stateful = true
		const created = "2020-08-01 09:05:11.846982+00:00"
		node := scenarios.Node{ID: c.Params.NodeID, Name: "Multi-Party Call_1", CreatedOn: created}
		for _, m := range c.members() {
			node.Members = append(node.Members, scenarios.Member{Address: m.Address, Role: string(m.Role), State: string(m.State)})
		}
		s.World.PHLOs = []scenarios.PHLO{{ID: c.Params.PhloID, Name: "certify", CreatedOn: created, Nodes: []scenarios.Node{node}}}
	}
	t := c.Trouble
	if t == nil {
		return s
	}
	opID, action := specOperation(c.Operation)
	m := scenarios.Match{Operation: opID}
	if action != "" {
		m.Body = map[string]string{"action": action}
	}
	var r scenarios.Response
	switch {
	case t.Slow:
		// No status: the contract's answer, late.
		r.Delay = scenarios.Delay{Min: SlowDelay, Max: SlowDelay}
	case t.Drop || t.Hold:
		r.Drop = true
		if t.Hold {
			r.Delay = scenarios.Delay{Min: hold, Max: hold}
		}
	default:
		r.Status = t.Status
		for k, v := range t.Header {
			setHeader(&r.Headers, k, v)
		}
		if t.RetryAt > 0 && t.Header["Retry-After"] == "" {
			// A run sets the date when it arranges the case; a recipe
			// has one from when it was written.
			setHeader(&r.Headers, "Retry-After", time.Now().Add(t.RetryAt).UTC().Format(http.TimeFormat))
		}
		if t.ContentType != "" {
			setHeader(&r.Headers, "Content-Type", t.ContentType)
		}
		if t.Body != nil {
			// The fake sends a raw body as written: "" as an empty body
			// (no Content-Type), other text with the case's Content-Type.
			r.Body, r.BodyRaw = *t.Body, true
		} else {
			r.Body = map[string]any{"api_id": "{{api_id}}", "error": t.Error}
		}
	}
	s.Rules = []scenarios.Rule{{Name: c.ID, Match: m, Respond: &r}}
	return s
}

func setHeader(h *map[string]string, k, v string) {
	if *h == nil {
		*h = map[string]string{}
	}
	(*h)[k] = v
}

// troubleScenario is the scenario the fake runs for case c, written and
// read back as a scenario file is, so that a fake whose scenarios are
// shared through a store (Runner.Store) can share it: the store keeps
// scenarios by their source.
func troubleScenario(c Case, hold time.Duration, known scenarios.KnownOperations) (*scenarios.Scenario, error) {
	src, err := scenarios.Marshal(caseScenario(c, hold))
	if err != nil {
		return nil, err
	}
	return scenarios.Check("case "+c.ID, src, known)
}

// RecipeHold is how long the scenario of an HTML report's "Start the
// fake" recipe holds a no-answer case's answer: past the call timeout a
// driver has by default.
const RecipeHold = driver.DefaultCallTimeout + time.Second

// ScenarioYAML is the scenario file of case c: with it, `phlomock serve
// --scenario FILE` answers the case's operation as certification did
// (a no-answer case holds its answer RecipeHold). A case without a
// Trouble needs none: it returns a scenario without rules.
func ScenarioYAML(c Case) (string, error) {
	src, err := scenarios.Marshal(caseScenario(c, RecipeHold))
	if err != nil {
		return "", fmt.Errorf("certify: the scenario of case %s: %w", c.ID, err)
	}
	return string(src), nil
}
