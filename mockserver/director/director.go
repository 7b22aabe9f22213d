package director

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// HeaderScenario selects a scenario for one request: a built-in name or the
// name of a loaded scenario. The active set is not changed.
const HeaderScenario = "X-Phlomock-Scenario"

// The operations a stateful scenario sends to the call model. Their ids are
// fixed by the contract.
const (
	opUpdateCall   = openapi.OpUpdateMultiPartyCall
	opUpdateMember = openapi.OpUpdateMember
)

// ErrUnknownScenario is wrapped by the errors naming a scenario that is
// neither built in nor loaded.
var ErrUnknownScenario = scenarios.ErrUnknownScenario

// Options configure a Director. The zero value works: the default account,
// no PHLO beyond the scenarios', every operation id accepted.
type Options struct {
	// Accounts are accepted whatever the scenarios declare, and win for
	// an Auth ID a scenario declares too (serve's --auth-token is never
	// overridden by a scenario's token); the active scenarios' other
	// accounts are accepted as well. Nil: the default account
	// (mockserver.DefaultAuthID), after the scenarios' accounts.
	Accounts mockserver.Accounts
	// World declares PHLOs and nodes beyond the active scenarios' (which win
	// for the same id). Nil: only the scenarios'.
	World mockserver.World
	// Operations are the contract's operation ids, to refuse a scenario
	// that names another one. Nil: not checked. See OperationIDs.
	Operations scenarios.KnownOperations
	// Contract describes the contract's operations (see Operations), to
	// refuse a scenario file with a rule that can never match, as
	// `phlomock scenarios check` does (CheckFile). Nil: not checked.
	Contract []scenarios.Operation
	// Logger receives activations and resets. Nil: no logs.
	Logger *slog.Logger
	// HoldLog keeps the activations quiet until LogActive: a fake that
	// activates its start-up scenarios before it listens logs them once
	// its ports are open, not before a port that turns out to be busy.
	HoldLog bool
	// Shared keeps the active set and the loaded scenarios where several
	// replicas share them (redisstore.StateStore): an activation, upload
	// or deletion on one is published, and every replica's Follow takes it
	// up. Requests still read this process's copy: a request costs the
	// store nothing. Nil: in this process only.
	Shared SharedState
	// Calls keeps the simulated calls of the stateful sets. Nil: in this
	// process (multiparty.NewMemory). A store shared by several replicas
	// (redisstore.CallStore) makes their calls one fake's: an action on
	// any replica sees the actions of all, and its errors answer 503.
	Calls CallStore
	// Counters keeps the hits of the rules that count (times, sequences).
	// Nil: in this process. A store shared by several replicas
	// (redisstore.CounterStore) makes their counts one fake's, `times: 2`
	// two answers in all; each hit of such a rule is a round trip, and its
	// errors answer 503.
	Counters CounterStore
	// Callbacks sends the event callbacks of the simulated calls (package
	// callbacks); the caller starts and closes it. Nil: none are sent.
	Callbacks *callbacks.Dispatcher
}

// A CounterStore keeps the hits of the rules of sets of scenarios where
// several replicas of the fake share them.
type CounterStore interface {
	// Counter returns the counter of one set's rules. scope names the set
	// the same way on every replica (its kind and a digest of its
	// scenarios), so two sets never share counts and replicas of one set
	// always do.
	Counter(scope string) scenarios.Counter
	// Clear starts one scope's counts from zero, for every replica.
	Clear(ctx context.Context, scope string) error
	// Reset starts every scope's counts from zero, for every replica.
	Reset(ctx context.Context) error
}

// A CallStore keeps the simulated calls of stateful sets of scenarios
// (package multiparty's model) where several replicas of the fake share them.
type CallStore interface {
	// Calls returns the calls of one set. scope names the set the same
	// way in every replica (its kind and a digest of its world), so two
	// sets never share calls and replicas of one set always do.
	Calls(scope string) multiparty.Calls
	// Reset forgets the calls of every set, other replicas' included.
	Reset(ctx context.Context) error
}

// A StoreError is a failure of the store the fake's state is shared
// through (Options.Calls): the fake answers 503 naming the store, and the
// state is as it was.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// storeError wraps the error of a call operation that is the store's,
// not the model's (a refused transition, too many calls).
func storeError(err error) error {
	var te *multiparty.TransitionError
	if err == nil || errors.As(err, &te) || errors.Is(err, multiparty.ErrTooManyCalls) {
		return err
	}
	return &StoreError{Err: err}
}

// A Director holds the active scenarios and answers for them: it is the
// fake's Store (mockserver.Options.Store), which gives each request the
// accounts, world and rules of the set active when it arrived. The active set
// is one immutable compiled value behind an atomic pointer, so an
// activation is seen whole or not at all, and a request that matches no
// rule costs one atomic load.
type Director struct {
	opts Options
	// explicit: Options.Accounts was given, and wins over the scenarios'.
	explicit bool
	// own is a session's account (Sessions), accepted before any other.
	own    account
	active atomic.Pointer[set]
	// logging: activations are logged (false until LogActive with
	// Options.HoldLog).
	logging atomic.Bool
	// byName holds a compiled set per loaded scenario and per built-in
	// named so far (see named), for HeaderScenario. Copied on write.
	byName atomic.Pointer[map[string]*set]

	// wmu serialises the changes (change) and the following of other
	// replicas' (Follow); state and version are its.
	wmu     sync.Mutex
	state   *state
	version string // of Options.Shared's state that state is ("": none)
	// defaults is the set the Director started with (New, Start, or the
	// last Replace: --scenario and its reloads), which Reset activates.
	defaults []*scenarios.Scenario

	mu     sync.Mutex // guards loaded and the writers of byName
	loaded map[string]*scenarios.Scenario
}

// A set is compiled scenarios: what a request is answered from.
type set struct {
	names     []string
	label     string // names joined with "+", for the journal
	scenarios []*scenarios.Scenario
	engine    *scenarios.Engine
	hasRules  bool
	calls     multiparty.Calls // nil unless a scenario is stateful
	// counter counts the rules' hits when they are shared (Options.Counters):
	// nil in memory, where the engine counts them.
	counter    scenarios.Counter
	countScope string
	accounts   map[string]string
	phlos      map[string]mockserver.Phlo
	nodes      map[[2]string]mockserver.Node
	pin        atomic.Pointer[pinned] // the set's State, made at its first request
	// cbNodes are the world's callback targets by (PHLO, node), cbFaults
	// the scenarios' callback faults (callbacks.go).
	cbNodes  map[[2]string]cbNode
	cbFaults []callbacks.Fault
}

// New returns a Director with the given scenarios active (none: an empty
// set, the contract's answers).
func New(opts Options, active ...*scenarios.Scenario) (*Director, error) {
	explicit := opts.Accounts != nil
	if !explicit {
		opts.Accounts = mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Director{opts: opts, explicit: explicit, loaded: map[string]*scenarios.Scenario{}}
	d.logging.Store(!opts.HoldLog)
	byName := map[string]*set{}
	d.byName.Store(&byName)
	st, err := d.compile(active, scopeActive)
	if err != nil {
		return nil, err
	}
	d.active.Store(st)
	d.state = &state{change: "new", active: slices.Clone(active), activeBy: "new",
		loaded: map[string]*scenarios.Scenario{}, loadedBy: map[string]string{}}
	d.defaults = slices.Clone(active)
	return d, nil
}

// OperationIDs lists the operation ids of doc, for Options.Operations.
func OperationIDs(doc *openapi3.T) scenarios.KnownOperations {
	var ids scenarios.KnownOperations
	if doc == nil || doc.Paths == nil {
		return ids
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// nameOf is the name a scenario is activated and selected by: its name,
// else its file name without extension.
func nameOf(s *scenarios.Scenario) string {
	if s.Name != "" {
		return s.Name
	}
	base := filepath.Base(s.File)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// Operations returns the operation ids scenarios are validated against
// (Options.Operations), for scenarios.Check.
func (d *Director) Operations() scenarios.KnownOperations { return d.opts.Operations }

// Active names the active scenarios, in activation order.
func (d *Director) Active() []string { return slices.Clone(d.active.Load().names) }

// ActiveScenarios returns the active scenarios, in activation order; they
// are shared: do not modify them.
func (d *Director) ActiveScenarios() []*scenarios.Scenario {
	return slices.Clone(d.active.Load().scenarios)
}

// Available lists the scenarios that can be activated by name, sorted.
func (d *Director) Available() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.availableLocked()
}

func (d *Director) availableLocked() []string { return availableIn(d.loaded) }

func availableIn(loaded map[string]*scenarios.Scenario) []string {
	names := scenarios.BuiltinNames()
	for name := range loaded {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Calls returns the state of the active set's simulated calls, nil when no
// active scenario is stateful. An error of the store is a *StoreError.
func (d *Director) Calls(ctx context.Context) ([]multiparty.Snapshot, error) {
	st := d.active.Load()
	if st.calls == nil {
		return nil, nil
	}
	calls, err := st.calls.Snapshot(ctx)
	return calls, storeError(err)
}

// Stateful reports whether the active set simulates calls.
func (d *Director) Stateful() bool { return d.active.Load().calls != nil }
