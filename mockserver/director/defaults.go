package director

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// CheckFile reads a scenario file as every command does (serve, conform,
// proxy, an upload, `phlomock scenarios check`): parsing and validation
// against the contract's operation ids, then its rules against the
// contract's operations, every problem at once (scenarios.CheckFile).
func (d *Director) CheckFile(file string, data []byte) (*scenarios.Scenario, error) {
	return scenarios.CheckFile(file, data, d.opts.Operations, d.opts.Contract)
}

// ActivateDefaults is Activate, and makes ss the set Reset comes back to
// (as the --scenario arguments are for serve): what a test helper starts
// its fake with.
func (d *Director) ActivateDefaults(ss ...*scenarios.Scenario) error {
	return d.changeDefaults(context.Background(), true, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.active, next.activeBy, next.times = slices.Clone(ss), id, 0
		return next, nil
	}, ss)
}

// changeDefaults is change, then, when it was made, defaults becomes the
// set Reset comes back to.
func (d *Director) changeDefaults(ctx context.Context, fresh bool, op func(cur *state, id string) (*state, error), defaults []*scenarios.Scenario) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if err := d.changeLocked(ctx, fresh, op); err != nil {
		return err
	}
	d.defaults = slices.Clone(defaults)
	return nil
}

// ActivateNames activates loaded or built-in scenarios by name (a loaded
// scenario hides a built-in of the same name).
func (d *Director) ActivateNames(names ...string) error { return d.ActivateFor(0, names...) }

// ActivateFor is ActivateNames for a while: each rule of the named
// scenarios answers at most times requests (fewer when the rule says so),
// then the contract answers, as for "the next request only" (times 1).
// times 0 is no limit; a negative times is an error.
func (d *Director) ActivateFor(times int, names ...string) error {
	if times < 0 {
		return fmt.Errorf("times %d: want 1 or more (0: no limit)", times)
	}
	return d.change(context.Background(), true, func(cur *state, id string) (*state, error) {
		ss, err := lookupIn(cur.loaded, names)
		if err != nil {
			return nil, err
		}
		next := cur.clone()
		next.active, next.activeBy, next.times = ss, id, times
		return next, nil
	})
}

// limited returns ss with each rule answering at most times requests
// (copies: ss are shared and never modified); ss itself when times is 0.
func limited(ss []*scenarios.Scenario, times int) []*scenarios.Scenario {
	if times <= 0 {
		return ss
	}
	out := make([]*scenarios.Scenario, len(ss))
	for i, s := range ss {
		c := *s
		c.Rules = slices.Clone(s.Rules)
		for j := range c.Rules {
			if r := &c.Rules[j]; r.Times <= 0 || r.Times > times {
				r.Times = times
			}
		}
		out[i] = &c
	}
	return out
}

// Reset brings the fake back to its defaults: the scenarios it started
// with active again (New's, Start's: the --scenario arguments, success by
// default), every rule counter rewound and every simulated call back to its
// scenario's world, as Rewind does. Uploaded scenarios stay loaded (a CI
// job uploads them once, before the tests that activate them). With shared
// stores (Options.Calls, Options.Counters, Options.Shared), for every
// replica. An error of a store is a *StoreError: with Options.Shared, the
// stores' resets that came before it (counts, calls) may have happened.
func (d *Director) Reset(ctx context.Context) error { return d.reset(ctx, true) }

// Rewind is Reset but for the active scenarios, which stay active: the
// rule counters start over (flaky, times, sequences) and the calls from
// their world, as a test does between two steps of one scenario.
func (d *Director) Rewind(ctx context.Context) error { return d.reset(ctx, false) }

func (d *Director) reset(ctx context.Context, defaults bool) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.opts.Counters != nil {
		if err := d.opts.Counters.Reset(ctx); err != nil {
			return &StoreError{Err: err}
		}
	}
	if d.opts.Calls != nil {
		if err := d.opts.Calls.Reset(ctx); err != nil {
			return &StoreError{Err: err}
		}
	}
	return d.changeLocked(ctx, defaults, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.reset = id
		if defaults {
			next.active, next.activeBy, next.times = slices.Clone(d.defaults), id, 0
		}
		return next, nil
	})
}

// authIDs lists the Auth IDs token accepts, sorted (mockserver.AccountLister).
func (d *Director) authIDs(st *set) []string {
	ids := slices.Collect(maps.Keys(st.accounts))
	if l, ok := d.opts.Accounts.(mockserver.AccountLister); ok {
		ids = append(ids, l.AuthIDs()...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// postReset is Reset, or Rewind with ?scenarios=keep.
func (d *Director) postReset(w http.ResponseWriter, r *http.Request) {
	reset := d.Reset
	switch keep := r.URL.Query().Get("scenarios"); keep {
	case "":
	case "keep":
		reset = d.Rewind
	default:
		mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid scenarios=%q: want keep (rewind the counters and calls, keep the active scenarios), or leave it out (back to the defaults).", keep))
		return
	}
	if err := reset(r.Context()); err != nil {
		writeStoreError(w, err)
		return
	}
	mockserver.WriteJSON(w, http.StatusOK, map[string]any{"status": "reset", "active": d.Active()})
}
