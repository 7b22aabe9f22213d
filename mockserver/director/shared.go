package director

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/phlomock/phlomock/scenarios"
)

// A SharedState is where replicas of the fake keep their scenarios: the
// active set and the loaded (uploaded) scenarios. Each replica still
// answers from its own compiled copy, behind an atomic pointer, so a
// request costs the store nothing; a change made on one replica is
// published, and every other replica's Director.Follow takes it up.
// redisstore.StateStore is the Redis one.
type SharedState interface {
	// Publish replaces the state with state, as version, if the version is
	// still base ("": nothing published yet). A version is the id of the
	// change that made the state, unique across replicas and restarts, so
	// a store that lost its data and counts again cannot show an old
	// number for a new state. If another replica published first, it
	// writes nothing and returns false.
	Publish(ctx context.Context, base, version string, state []byte) (ok bool, err error)
	// Load returns the state and its version; "" and no state when
	// nothing was published (or the store lost it).
	Load(ctx context.Context) (state []byte, version string, err error)
	// Watch calls changed with every version it sees (the same one may
	// come twice), from one goroutine, until ctx ends.
	Watch(ctx context.Context, changed func(version string))
}

// maxConflicts bounds how often one change is made again on a state
// another replica changed first, before it answers 503.
const maxConflicts = 16

// A state is what replicas share: the active set's scenarios and the
// loaded ones. Each part carries the id of the change that made it, so a
// replica recompiles what changed, and only that (a compiled set keeps its
// rule counters): comparing sources could not tell a second activation of
// the same set, which starts the set over, from no change.
type state struct {
	change   string // the change that made this state
	start    string // the digest of the arguments of the replica that started it (Director.Start)
	active   []*scenarios.Scenario
	activeBy string
	loaded   map[string]*scenarios.Scenario
	loadedBy map[string]string
	reset    string // the last Reset's change
	times    int    // when positive, each rule of the active set answers at most this many requests (ActivateFor)
}

// clone returns a copy of st that a change can modify.
func (st *state) clone() *state {
	c := *st
	c.active = slices.Clone(st.active)
	c.loaded = maps.Clone(st.loaded)
	c.loadedBy = maps.Clone(st.loadedBy)
	return &c
}

// newChange returns a change id, unique across replicas and restarts.
func newChange() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// The state as it is stored (JSON): every scenario by its source, which
// each replica parses and validates again.
type (
	storedState struct {
		Change   string           `json:"change"`
		Start    string           `json:"start,omitempty"`
		Active   []storedScenario `json:"active"`
		ActiveBy string           `json:"active_by"`
		Loaded   []storedScenario `json:"loaded,omitempty"`
		Reset    string           `json:"reset,omitempty"`
		Times    int              `json:"times,omitempty"`
	}
	storedScenario struct {
		Name   string `json:"name,omitempty"` // loaded ones
		By     string `json:"by,omitempty"`   // loaded ones: the change that loaded it
		File   string `json:"file"`
		Source string `json:"source"`
	}
)

// ErrNoSource is wrapped by the error of a change that would share a
// scenario built in Go (no Scenario.Source) through Options.Shared.
var ErrNoSource = errors.New("scenario has no source")

func storeScenario(s *scenarios.Scenario) (storedScenario, error) {
	if s.Source == nil {
		return storedScenario{}, fmt.Errorf("%w: %q was built in Go, and the other replicas parse what they share: load a parsed one (scenarios.Check)", ErrNoSource, nameOf(s))
	}
	return storedScenario{File: s.File, Source: string(s.Source)}, nil
}

func encodeState(st *state) ([]byte, error) {
	out := storedState{Change: st.change, Start: st.start, ActiveBy: st.activeBy, Reset: st.reset, Times: st.times, Active: []storedScenario{}}
	for _, s := range st.active {
		ss, err := storeScenario(s)
		if err != nil {
			return nil, err
		}
		out.Active = append(out.Active, ss)
	}
	for _, name := range slices.Sorted(maps.Keys(st.loaded)) {
		ss, err := storeScenario(st.loaded[name])
		if err != nil {
			return nil, err
		}
		ss.Name, ss.By = name, st.loadedBy[name]
		out.Loaded = append(out.Loaded, ss)
	}
	return json.Marshal(out)
}

// decodeState parses a stored state, reusing the scenarios of cur that
// have the same file and source (most of them, on most changes).
func decodeState(data []byte, cur *state, known scenarios.KnownOperations) (*state, error) {
	var in storedState
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("the shared state is not phlomock's: %w", err)
	}
	parsed := map[[2]string]*scenarios.Scenario{}
	for _, s := range append(slices.Clone(cur.active), slices.Collect(maps.Values(cur.loaded))...) {
		parsed[[2]string{s.File, string(s.Source)}] = s
	}
	parse := func(ss storedScenario) (*scenarios.Scenario, error) {
		if s, ok := parsed[[2]string{ss.File, ss.Source}]; ok {
			return s, nil
		}
		s, err := scenarios.Check(ss.File, []byte(ss.Source), known)
		if err != nil {
			return nil, err
		}
		parsed[[2]string{ss.File, ss.Source}] = s
		return s, nil
	}
	st := &state{change: in.Change, start: in.Start, activeBy: in.ActiveBy, reset: in.Reset, times: in.Times,
		loaded: map[string]*scenarios.Scenario{}, loadedBy: map[string]string{}}
	var errs []error
	for _, ss := range in.Active {
		s, err := parse(ss)
		errs = append(errs, err)
		st.active = append(st.active, s)
	}
	for _, ss := range in.Loaded {
		s, err := parse(ss)
		errs = append(errs, err)
		st.loaded[ss.Name], st.loadedBy[ss.Name] = s, ss.By
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("a scenario of the shared state does not load here: %w", err)
	}
	return st, nil
}

// startDigest names the arguments a replica starts with (Director.Start):
// a replica started with the same ones joins the shared state as it is.
func startDigest(active, load []*scenarios.Scenario) string {
	h := sha256.New()
	for _, group := range [][]*scenarios.Scenario{active, load} {
		for _, s := range group {
			fmt.Fprintf(h, "%d:%s%d:", len(s.File), s.File, len(s.Source))
			h.Write(s.Source)
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// A built is the compiled sets a change needs, made before anything is
// published or swapped, so that a scenario that does not compile changes
// nothing.
type built struct {
	active  *set            // nil: the active set stays
	named   map[string]*set // loaded scenarios loaded anew
	removed []string        // loaded scenarios no longer loaded
}

// build compiles what next changes from cur.
func (d *Director) build(cur, next *state) (*built, error) {
	b := &built{named: map[string]*set{}}
	if next.activeBy != cur.activeBy {
		st, err := d.compile(limited(next.active, next.times), scopeActive)
		if err != nil {
			return nil, err
		}
		b.active = st
	}
	for _, name := range slices.Sorted(maps.Keys(next.loaded)) {
		if by, ok := cur.loadedBy[name]; ok && by == next.loadedBy[name] {
			continue
		}
		st, err := d.compile([]*scenarios.Scenario{next.loaded[name]}, scopeNamed)
		if err != nil {
			return nil, err
		}
		b.named[name] = st
	}
	for name := range cur.loaded {
		if _, ok := next.loaded[name]; !ok {
			b.removed = append(b.removed, name)
		}
	}
	return b, nil
}

// change makes the next state with op, from the current one, and applies
// it: compiled first (an error changes nothing), published with a shared
// store (its error is a *StoreError, and changes nothing here), then
// swapped in. fresh starts a new active set's calls (and whatever else a
// set shares) over, before it is published. op gets the change's id, for
// the parts it makes, and returns nil for no change.
// If another replica published first, this one follows it and makes the
// change again on the newer state.
func (d *Director) change(ctx context.Context, fresh bool, op func(cur *state, id string) (*state, error)) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.changeLocked(ctx, fresh, op)
}

func (d *Director) changeLocked(ctx context.Context, fresh bool, op func(cur *state, id string) (*state, error)) error {
	for conflicts := 0; ; conflicts++ {
		cur, id := d.state, newChange()
		next, err := op(cur, id)
		if err != nil || next == nil {
			return err
		}
		next.change = id
		b, err := d.build(cur, next)
		if err != nil {
			return err
		}
		if fresh && b.active != nil {
			if err := d.startFresh(b.active); err != nil {
				return err
			}
		}
		if d.opts.Shared != nil {
			data, err := encodeState(next)
			if err != nil {
				return err
			}
			ok, err := d.opts.Shared.Publish(ctx, d.version, id, data)
			if err != nil {
				return &StoreError{Err: err}
			}
			if !ok {
				if conflicts == maxConflicts {
					return &StoreError{Err: fmt.Errorf("the shared scenarios changed under %d attempts: try again", maxConflicts+1)}
				}
				if err := d.followLocked(ctx); err != nil {
					if errors.As(err, new(*StoreError)) {
						return err
					}
					// A state this replica cannot load: this change,
					// made on this replica's, replaces it.
					d.opts.Logger.Warn("shared scenarios not followed", slog.String("error", err.Error()))
				}
				if d.state.change == id {
					return nil // this very change, written by a retry after a timeout
				}
				continue
			}
			d.version = id
		}
		d.install(cur, next, b, "")
		return nil
	}
}

// install swaps in next, with b compiled from cur to next (d.wmu held).
// from is empty for a change made here, else how it came (logged).
func (d *Director) install(cur, next *state, b *built, from string) {
	d.mu.Lock()
	d.loaded = maps.Clone(next.loaded)
	byName := maps.Clone(*d.byName.Load())
	for _, name := range b.removed {
		delete(byName, name) // a built-in of that name is compiled afresh at its next use
	}
	maps.Copy(byName, b.named)
	d.byName.Store(&byName)
	d.mu.Unlock()
	d.state = next
	if b.active != nil {
		_ = d.setActive(b.active, false) // made fresh, if at all, before it was published
	}
	for _, name := range b.removed {
		if from == "" {
			d.opts.Logger.Info("scenario deleted", slog.String("scenario", name))
		}
	}
	if next.reset != cur.reset {
		d.rewind()
		d.opts.Logger.Info("scenarios reset")
	}
	if from != "" {
		d.opts.Logger.Info("shared scenarios followed", slog.String("from", from), slog.String("active", d.active.Load().label))
	}
}

// Version is the version of the shared state (Options.Shared) this
// replica answers from: replicas with the same version answer alike. ""
// in memory, or before anything was published.
func (d *Director) Version() string {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.version
}

// Follow takes up, until ctx ends, the changes other replicas make to the
// shared state (Options.Shared): at most a SharedState's watch interval
// after they were published, while the store answers. A change that does
// not load here (another version of phlomock) is logged and skipped.
// Without a shared store it returns at once.
func (d *Director) Follow(ctx context.Context) {
	if d.opts.Shared == nil {
		return
	}
	d.opts.Shared.Watch(ctx, func(version string) {
		d.wmu.Lock()
		defer d.wmu.Unlock()
		if version == d.version {
			return
		}
		if err := d.followLocked(ctx); err != nil && ctx.Err() == nil {
			d.opts.Logger.Error("shared scenarios not followed", slog.String("error", err.Error()))
		}
	})
}

// followLocked takes up the shared state if its version is not this
// replica's (d.wmu held). A store that lost its state (a Redis restarted
// without persistence) gets this replica's back, so the replicas go on as
// one fake.
func (d *Director) followLocked(ctx context.Context) error {
	data, v, err := d.opts.Shared.Load(ctx)
	if err != nil {
		return &StoreError{Err: err}
	}
	if v == d.version && v != "" {
		return nil
	}
	if v == "" {
		if d.version == "" {
			return nil // nothing published yet
		}
		data, err := encodeState(d.state)
		if err != nil {
			return err
		}
		ok, err := d.opts.Shared.Publish(ctx, "", d.state.change, data)
		if err != nil {
			return &StoreError{Err: err}
		}
		if !ok {
			return d.followLocked(ctx) // another replica put its own back first
		}
		d.opts.Logger.Warn("the store had lost the shared scenarios: published this replica's", slog.String("version", d.state.change))
		d.version = d.state.change
		return nil
	}
	cur := d.state
	next, err := decodeState(data, cur, d.opts.Operations)
	if err == nil && next.change == cur.change {
		d.version = v
		return nil
	}
	var b *built
	if err == nil {
		b, err = d.build(cur, next)
	}
	if err != nil {
		d.version = v // skipped: not tried again until the next change
		return fmt.Errorf("version %s: %w", v, err)
	}
	d.version = v
	d.install(cur, next, b, "version "+v)
	return nil
}
