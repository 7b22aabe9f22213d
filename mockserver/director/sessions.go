package director

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// HeaderSession selects the session a request belongs to, on the API (with
// any account the fake accepts) and on the control plane (as ?session=ID).
const HeaderSession = "X-Phlomock-Session"

// The bounds of sessions when SessionOptions leaves them 0.
const (
	DefaultMaxSessions        = 1000
	DefaultSessionTTL         = 10 * time.Minute
	DefaultSessionJournalSize = 1000
	// MaxSessionTTL is the longest TTL a session may ask for.
	MaxSessionTTL = 24 * time.Hour
)

// SessionOptions bound the sessions of a Director (Options.Sessions). The
// zero value works: DefaultMaxSessions live sessions, each ending after
// DefaultSessionTTL without a request, each journal DefaultSessionJournalSize
// exchanges.
type SessionOptions struct {
	// Max is the number of live sessions: creating one more is refused
	// (ErrTooManySessions). 0: DefaultMaxSessions; negative: no session
	// can be created.
	Max int
	// TTL is how long a session lives without a request (API or control
	// plane) when its creator does not say. 0: DefaultSessionTTL.
	TTL time.Duration
	// JournalSize is the number of exchanges each session's journal keeps.
	// 0: DefaultSessionJournalSize.
	JournalSize int
	// JournalBodyLimit is mockserver.Options.JournalBodyLimit, for the
	// sessions' journals.
	JournalBodyLimit int
	// Now is the clock TTLs are measured with. Nil: time.Now.
	Now func() time.Time
	// Store keeps the sessions where several replicas share them, and
	// Scope gives each session's state its stores there: a session created
	// on one replica is the same session on all of them. Nil: in this
	// process.
	Store SessionStore
	Scope func(id string) SessionScope
}

// Errors of Sessions.
var (
	// ErrUnknownSession is wrapped by the errors naming a session that
	// ended or never existed.
	ErrUnknownSession = errors.New("unknown session")
	// ErrTooManySessions: SessionOptions.Max sessions are live.
	ErrTooManySessions = errors.New("too many sessions")
	// ErrBadTTL: a TTL out of 1s..MaxSessionTTL.
	ErrBadTTL = errors.New("bad session ttl")
)

// A Session is one test's fake inside the shared one: its own account,
// scenarios, counters, calls and journal. Its fields never change.
type Session struct {
	ID        string        `json:"id"`
	AuthID    string        `json:"auth_id"`
	AuthToken string        `json:"auth_token"`
	TTL       time.Duration `json:"-"`
	Created   time.Time     `json:"created"`

	director *Director
	// journal is made at the session's first request or read: a session
	// nobody uses costs no ring (8 KiB for 1,000 entries).
	journal            atomic.Pointer[mockserver.Journal]
	journalMu          sync.Mutex
	journalSize, limit int
	used               atomic.Int64 // the coarse clock (Sessions.now) at its last request
	synced             int64        // used when last sent to the store (the sweep's)
	ended              atomic.Bool
	scope              SessionScope

	routesOnce sync.Once
	routes     map[string]http.Handler // its control plane, by route name
}

// Director is the session's: its scenarios, counters and calls.
func (s *Session) Director() *Director { return s.director }

// Journal is the session's journal.
func (s *Session) Journal() *mockserver.Journal {
	if j := s.journal.Load(); j != nil {
		return j
	}
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	if j := s.journal.Load(); j != nil {
		return j
	}
	j := mockserver.NewJournal(s.journalSize, s.limit)
	if s.scope.Journal != nil {
		j.SetStore(s.scope.Journal)
	}
	s.journal.Store(j)
	return j
}

// Sessions are the sessions of one fake beside its default session (the
// Director it is built on, which answers every request that names no
// session, exactly as without sessions). It is the fake's Store: a request
// belongs to the session whose account it authenticates with, or that its
// X-Phlomock-Session header names; the session's Director serves it and its
// journal keeps it. Safe for concurrent use.
type Sessions struct {
	def  *Director
	opts SessionOptions

	// byID holds the live sessions; live counts them, so that with none a
	// request costs an atomic load.
	byID sync.Map // string -> *Session
	live atomic.Int64
	now  atomic.Int64 // a coarse clock, in seconds: Sweep's

	loadMu   sync.Mutex // serialises loading sessions from the store
	mu       sync.Mutex // serialises Create, the ends and the sweep's start
	ended    endedLog
	sweeping bool
	closed   bool
	stop     chan struct{}
}

// NewSessions returns the sessions of def. While sessions are live, a
// sweep ends those past their TTL each second; Close stops it.
func NewSessions(def *Director, opts SessionOptions) *Sessions {
	if opts.Max == 0 {
		opts.Max = DefaultMaxSessions
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultSessionTTL
	}
	if opts.JournalSize <= 0 {
		opts.JournalSize = DefaultSessionJournalSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ss := &Sessions{def: def, opts: opts, stop: make(chan struct{})}
	ss.now.Store(opts.Now().Unix())
	return ss
}

// Default is the default session's Director.
func (ss *Sessions) Default() *Director { return ss.def }

// Close ends every session and stops the sweep; no session can be created
// after it.
func (ss *Sessions) Close() {
	ss.mu.Lock()
	if !ss.closed {
		ss.closed = true
		close(ss.stop)
	}
	ss.mu.Unlock()
	var wg sync.WaitGroup
	ss.byID.Range(func(_, v any) bool {
		s := v.(*Session)
		wg.Go(func() { ss.endHere(s, "the fake closed", true) })
		return true
	})
	wg.Wait()
}

// sweeper runs Sweep each second while sessions are live (started by the
// first Create after none was).
func (ss *Sessions) sweeper() {
	every := time.Second
	if ss.opts.Store != nil {
		every = sessionSyncInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ss.stop:
			return
		case <-t.C:
			ss.Sweep()
		}
		ss.mu.Lock()
		if ss.live.Load() == 0 {
			ss.sweeping = false
			ss.mu.Unlock()
			return
		}
		ss.mu.Unlock()
	}
}

// Sweep ends the sessions that had no request for their TTL, now (by
// SessionOptions.Now): the sweep runs it every second. With a
// SessionStore, it syncs with the store instead (every 250 ms).
func (ss *Sessions) Sweep() {
	now := ss.opts.Now().Unix()
	ss.now.Store(now)
	if ss.opts.Store != nil {
		ss.sync()
		return
	}
	ss.byID.Range(func(_, v any) bool {
		s := v.(*Session)
		if now-s.used.Load() >= int64(s.TTL/time.Second) {
			ss.end(s, fmt.Sprintf("no request for its ttl of %s", s.TTL))
		}
		return true
	})
}

// CreateOptions say how a session starts.
type CreateOptions struct {
	// TTL: SessionOptions.TTL when 0; from 1s to MaxSessionTTL.
	TTL time.Duration
	// Scenarios are activated in the session by name (built-in, or loaded
	// in the default session), as PUT /__admin/scenarios/active.
	Scenarios []string
}

// Create starts a session with a fresh account: Auth ID "MA" and 18
// capitals or digits ("MASN" and its id), a random Auth Token. It is
// refused (nothing created) past SessionOptions.Max live sessions
// (ErrTooManySessions), for a TTL out of bounds (ErrBadTTL) or an unknown
// scenario (ErrUnknownScenario).
func (ss *Sessions) Create(o CreateOptions) (*Session, error) {
	ttl := cmp.Or(o.TTL, ss.opts.TTL)
	if ttl < time.Second || ttl > MaxSessionTTL {
		return nil, fmt.Errorf("%w %s: want from 1s to %s", ErrBadTTL, ttl, MaxSessionTTL)
	}
	ttl = ttl.Round(time.Second)
	id := newSessionID()
	s := &Session{ID: id, AuthID: sessionAuthPrefix + id, AuthToken: newToken(), TTL: ttl, Created: ss.opts.Now().UTC()}
	d, err := ss.newDirector(s)
	if err != nil {
		return nil, err
	}
	s.director = d
	if len(o.Scenarios) > 0 {
		ss.def.mu.Lock()
		loaded := ss.def.loaded
		ss.def.mu.Unlock()
		active, err := lookupIn(loaded, o.Scenarios)
		if err == nil {
			err = d.Activate(active...)
		}
		if err != nil {
			ss.closeScope(s)
			return nil, err
		}
	}
	ss.withJournal(s)
	s.used.Store(ss.now.Load())
	if st := ss.opts.Store; st != nil {
		ctx := context.Background()
		rec, _ := json.Marshal(sessionRecord{ID: id, AuthID: s.AuthID, AuthToken: s.AuthToken, TTLMillis: ttl.Milliseconds(), Created: s.Created})
		n, ok, err := st.CreateSession(ctx, id, rec, ttl, ss.opts.Max)
		if err == nil && !ok {
			err = ss.tooMany(int64(n))
		} else if err != nil {
			err = &StoreError{Err: err}
		}
		if err != nil {
			_ = st.DeleteSession(ctx, id, "never created") // the scenarios it published
			ss.closeScope(s)
			return nil, err
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		ss.closeScope(s)
		return nil, errors.New("the fake is closed")
	}
	if n := ss.live.Load(); ss.opts.Store == nil && (ss.opts.Max < 0 || n >= int64(ss.opts.Max)) {
		return nil, ss.tooMany(n)
	}
	ss.byID.Store(id, s)
	ss.live.Add(1)
	if !ss.sweeping {
		ss.sweeping = true
		go ss.sweeper()
	}
	ss.def.opts.Logger.Info("session created", slog.String("session", id), slog.Duration("ttl", ttl))
	return s, nil
}

func (ss *Sessions) tooMany(n int64) error {
	return fmt.Errorf("%w: %d sessions are live, the bound (--max-sessions %d): end one (DELETE /__admin/sessions/ID) or let one expire", ErrTooManySessions, n, max(ss.opts.Max, 0))
}

// withJournal sizes s's journal (made at its first use: Session.Journal),
// shared through the store when there is one.
func (ss *Sessions) withJournal(s *Session) {
	s.journalSize, s.limit = ss.opts.JournalSize, ss.opts.JournalBodyLimit
}

// closeScope writes s's journal queue (within 5 s) and stops its writer,
// off the caller's path unless wait.
func (ss *Sessions) closeScope(s *Session, wait ...bool) {
	if s.scope.Close == nil {
		return
	}
	flush := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.scope.Close(ctx); err != nil {
			ss.def.opts.Logger.Warn("session journal not flushed", slog.String("session", s.ID), slog.String("error", err.Error()))
		}
	}
	if len(wait) > 0 && wait[0] {
		flush()
		return
	}
	go flush()
}

// newDirector is the session's Director: the default's accounts, world and
// operations, its own account first, its scenarios, counters and calls in
// this process, or in the session's scope of the store.
func (ss *Sessions) newDirector(s *Session) (*Director, error) {
	opts := ss.def.opts
	opts.Shared, opts.Calls, opts.Counters = nil, nil, nil
	if ss.opts.Store != nil && ss.opts.Scope != nil {
		s.scope = ss.opts.Scope(s.ID)
		opts.Shared, opts.Calls, opts.Counters = s.scope.Shared, s.scope.Calls, s.scope.Counters
	}
	opts.Logger = opts.Logger.With(slog.String("session", s.ID))
	opts.HoldLog = false // a session's activations are its own, made once it serves
	if !ss.def.explicit {
		opts.Accounts = nil
	}
	d, err := New(opts)
	if err != nil {
		return nil, err
	}
	d.own = account{id: s.AuthID, token: s.AuthToken, session: s.ID}
	return d, nil
}

// Get returns the live session of this id; an error wrapping
// ErrUnknownSession names one that ended or never existed.
func (ss *Sessions) Get(id string) (*Session, error) { return ss.get(context.Background(), id) }

// get is Get within ctx: with a SessionStore, a session this replica has
// not served yet is loaded from it (a round trip, once).
func (ss *Sessions) get(ctx context.Context, id string) (*Session, error) {
	if v, ok := ss.byID.Load(id); ok {
		if s := v.(*Session); !s.ended.Load() {
			return s, nil
		}
	}
	if ss.opts.Store == nil {
		return nil, ss.unknown(id, "")
	}
	return ss.load(ctx, id)
}

func (ss *Sessions) unknown(id, why string) error {
	if why != "" {
		return fmt.Errorf("%w %q: it ended (%s); create another with POST /__admin/sessions", ErrUnknownSession, id, why)
	}
	if why, ok := ss.ended.why(id); ok {
		return fmt.Errorf("%w %q: it ended (%s); create another with POST /__admin/sessions", ErrUnknownSession, id, why)
	}
	return fmt.Errorf("%w %q: no session has this id (%d live); create one with POST /__admin/sessions", ErrUnknownSession, id, ss.live.Load())
}

// Delete ends the session of this id (ErrUnknownSession if none is live).
func (ss *Sessions) Delete(id string) error {
	s, err := ss.Get(id)
	if err != nil {
		return err
	}
	if ss.opts.Store != nil {
		if err := ss.opts.Store.DeleteSession(context.Background(), id, "deleted"); err != nil {
			return &StoreError{Err: err}
		}
	}
	ss.end(s, "deleted")
	return nil
}

// end ends s, once, and remembers why.
func (ss *Sessions) end(s *Session, why string) { ss.endHere(s, why, false) }

// endHere is end; wait: until its journal's queue is written.
func (ss *Sessions) endHere(s *Session, why string, wait bool) {
	ss.mu.Lock()
	if s.ended.Swap(true) {
		ss.mu.Unlock()
		return
	}
	ss.byID.Delete(s.ID)
	ss.live.Add(-1)
	ss.ended.add(s.ID, why)
	ss.mu.Unlock()
	ss.closeScope(s, wait)
	if cb := ss.def.opts.Callbacks; cb != nil {
		cb.Forget(s.ID)
	}
	ss.def.opts.Logger.Info("session ended", slog.String("session", s.ID), slog.String("why", why))
}

// List returns the live sessions, oldest first.
func (ss *Sessions) List() []*Session {
	var out []*Session
	ss.byID.Range(func(_, v any) bool {
		if s := v.(*Session); !s.ended.Load() {
			out = append(out, s)
		}
		return true
	})
	slices.SortFunc(out, func(a, b *Session) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Live is the number of live sessions.
func (ss *Sessions) Live() int { return int(ss.live.Load()) }

// Account returns the account of the live session of this id: what a
// callback of the session is signed with (Director.Account says the same
// from the session's Director).
func (ss *Sessions) Account(id string) (authID, token string, ok bool) {
	s, err := ss.Get(id)
	if err != nil {
		return "", "", false
	}
	return s.AuthID, s.AuthToken, true
}
