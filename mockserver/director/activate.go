package director

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// Activate validates and compiles ss, then makes them the active set, all
// at once: on error nothing changes. Later scenarios override earlier ones
// (their rules are tried first, their world entries win). The calls of a
// stateful scenario start from its world: with a shared store
// (Options.Calls), for every replica. With Options.Shared, every replica
// takes up the set; an error of a store is a *StoreError.
func (d *Director) Activate(ss ...*scenarios.Scenario) error {
	return d.change(context.Background(), true, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.active, next.activeBy, next.times = slices.Clone(ss), id, 0
		return next, nil
	})
}

// Resume is Start with nothing to load.
func (d *Director) Resume(ss ...*scenarios.Scenario) error { return d.Start(ss, nil) }

// Start is how a replica takes up its --scenario arguments: it loads load
// (as Load) and activates active (as Activate), at once, but for the calls
// and the rules' counts: those shared stores (Options.Calls,
// Options.Counters) have for this set go on as they are, so starting or
// restarting one replica never ends the calls the others are serving nor
// rewinds their sequences. With Options.Shared, a replica whose arguments are those the
// shared state was started with takes up that state as it is (whatever was
// activated or uploaded since); one with other arguments (a new
// deployment) publishes its own, and the others follow it.
func (d *Director) Start(active, load []*scenarios.Scenario) error {
	ctx := context.Background()
	if d.opts.Shared == nil {
		return d.changeDefaults(ctx, false, func(cur *state, id string) (*state, error) {
			return replaced(cur, active, load, id), nil
		}, active)
	}
	digest := startDigest(active, load)
	d.wmu.Lock()
	defer d.wmu.Unlock()
	// The arguments must be valid whatever the store holds.
	if _, err := d.build(&state{}, replaced(d.state, active, load, "check")); err != nil {
		return err
	}
	if err := d.followLocked(ctx); err != nil {
		if errors.Is(err, mockserver.ErrStateLost) {
			return d.startLost(active, load, digest, err)
		}
		if errors.As(err, new(*StoreError)) {
			return err
		}
		// A state this replica cannot load (another phlomock's) is
		// replaced by its own.
		d.opts.Logger.Warn("the shared scenarios do not load here: publishing this replica's", slog.String("error", err.Error()))
	}
	joined := false
	err := d.changeLocked(ctx, false, func(cur *state, id string) (*state, error) {
		if joined = d.version != "" && cur.start == digest; joined {
			return nil, nil // a replica joining the others
		}
		next := replaced(cur, active, load, id)
		next.start = digest
		return next, nil
	})
	if err == nil {
		d.defaults = slices.Clone(active)
		how := "published this replica's --scenario arguments"
		if joined {
			how = "joined the replicas started with the same arguments"
		}
		d.opts.Logger.Info("shared scenarios: "+how, slog.String("active", d.active.Load().label), slog.String("version", d.version))
	}
	return err
}

// startLost is Start on a store that lost the shared state (d.wmu held):
// this replica answers from its arguments, publishing nothing, and the
// reads of the lost state answer 503 until a reset, which publishes.
func (d *Director) startLost(active, load []*scenarios.Scenario, digest string, lost error) error {
	next := replaced(d.state, active, load, newChange())
	next.start = digest
	b, err := d.build(d.state, next)
	if err != nil {
		return err
	}
	d.install(d.state, next, b, "")
	d.defaults = slices.Clone(active)
	d.opts.Logger.Warn("shared scenarios: the store lost its state; answering from this replica's --scenario arguments until a reset",
		slog.String("active", d.active.Load().label), slog.String("error", lost.Error()))
	return nil
}

// Replace loads load (as Load) and makes active the active set (as
// Activate), at once: on error nothing changes. It is a --watch reload.
func (d *Director) Replace(active, load []*scenarios.Scenario) error {
	return d.changeDefaults(context.Background(), true, func(cur *state, id string) (*state, error) {
		return replaced(cur, active, load, id), nil
	}, active)
}

// replaced is cur with load loaded and active active, by change id.
func replaced(cur *state, active, load []*scenarios.Scenario, id string) *state {
	next := cur.clone()
	next.active, next.activeBy, next.times = slices.Clone(active), id, 0
	for _, s := range load {
		next.loaded[nameOf(s)], next.loadedBy[nameOf(s)] = s, id
	}
	return next
}

// startFresh starts st's rules' counts from zero and its calls from its
// world, for every replica, in the shared stores (Options.Counters,
// Options.Calls): in memory st's are new already. It runs before st is
// published or swapped in, so an error (a *StoreError) changes nothing.
func (d *Director) startFresh(st *set) error {
	if st.counter != nil {
		if err := d.opts.Counters.Clear(context.Background(), st.countScope); err != nil {
			return &StoreError{Err: err}
		}
	}
	if st.calls != nil && d.opts.Calls != nil {
		if err := st.calls.Reset(context.Background()); err != nil {
			return &StoreError{Err: err}
		}
	}
	return nil
}

// setActive makes st the active set, under d.mu (see Director.mu), and
// logs it: the one place the set is swapped. With fresh, st starts over
// first (see startFresh): if that fails, nothing changes. A replica following
// an activation made on another swaps the set without: it started over
// where it was made.
func (d *Director) setActive(st *set, fresh bool) error {
	if fresh {
		if err := d.startFresh(st); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.active.Store(st)
	d.mu.Unlock()
	if d.logging.Load() {
		d.opts.Logger.Info("scenarios activated", slog.String("active", st.label))
	}
	return nil
}

// LogActive logs the active scenarios, and every activation from now on
// (Options.HoldLog).
func (d *Director) LogActive() {
	if !d.logging.Swap(true) {
		d.opts.Logger.Info("scenarios activated", slog.String("active", d.active.Load().label))
	}
}

// Lookup returns the loaded or built-in scenarios of these names.
func (d *Director) Lookup(names ...string) ([]*scenarios.Scenario, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return lookupIn(d.loaded, names)
}

func lookupIn(loaded map[string]*scenarios.Scenario, names []string) ([]*scenarios.Scenario, error) {
	var ss []*scenarios.Scenario
	var errs []error
	for _, name := range names {
		if s, ok := loaded[name]; ok {
			ss = append(ss, s)
			continue
		}
		s, err := scenarios.Builtin(name)
		if err != nil {
			choices := availableIn(loaded)
			err := fmt.Errorf("%w %q: want a loaded scenario or one of %s", ErrUnknownScenario, name, strings.Join(choices, ", "))
			if near := didyoumean.Closest(name, choices); near != "" {
				err = fmt.Errorf("%w (did you mean %q?)", err, near)
			}
			errs = append(errs, err)
			continue
		}
		ss = append(ss, s)
	}
	return ss, errors.Join(errs...)
}

// Load validates s and keeps it under its name (or its file's base name),
// for ActivateNames and HeaderScenario. It does not activate it. With
// Options.Shared, every replica loads it.
func (d *Director) Load(s *scenarios.Scenario) error {
	if s == nil {
		return errors.New("director: nil scenario")
	}
	return d.change(context.Background(), false, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.loaded[nameOf(s)], next.loadedBy[nameOf(s)] = s, id
		return next, nil
	})
}

// keepNamedLocked keeps st for HeaderScenario under name (d.mu held): the
// map is copied on write, so requests read it without the lock.
func (d *Director) keepNamedLocked(name string, st *set) {
	byName := maps.Clone(*d.byName.Load())
	byName[name] = st
	d.byName.Store(&byName)
}

// named returns the compiled set of a loaded scenario or, failing that, of
// a built-in, compiled and kept at its first use (not in New: most runs
// never name one, and compiling them all cost start-up time); nil for an
// unknown name.
func (d *Director) named(name string) *set {
	if st := (*d.byName.Load())[name]; st != nil {
		return st
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := (*d.byName.Load())[name]; st != nil {
		return st
	}
	s, err := scenarios.Builtin(name)
	if err != nil {
		return nil
	}
	st, err := compileWith([]*scenarios.Scenario{s}, nil, d.opts.Calls, d.opts.Counters, scopeNamed)
	if err != nil {
		d.opts.Logger.Error("built-in scenario does not compile", slog.String("scenario", name), slog.String("error", err.Error()))
		return nil
	}
	d.keepNamedLocked(name, st)
	return st
}

// rewind starts every compiled set's rule counters over, and its calls
// when they are this process's (d.wmu held).
func (d *Director) rewind() {
	reset := func(st *set) {
		st.engine.Reset()
		if st.calls != nil && d.opts.Calls == nil {
			_ = st.calls.Reset(context.Background()) // in memory: cannot fail
		}
	}
	reset(d.active.Load())
	for _, st := range *d.byName.Load() {
		reset(st)
	}
	if d.opts.Callbacks != nil {
		d.opts.Callbacks.Rewind(d.own.session)
	}
}
