package director

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// A SessionStore keeps the sessions of several replicas
// (redisstore.Store): their records, bounded in number, each ending after
// its TTL without a request on any replica. Records are opaque to it.
type SessionStore interface {
	// CreateSession records a session unless max are live (negative: no
	// bound): the number live before it, and false when full.
	CreateSession(ctx context.Context, id string, record []byte, ttl time.Duration, max int) (live int, ok bool, err error)
	// LoadSession returns a live session's record, else why it ended
	// (empty: unknown).
	LoadSession(ctx context.Context, id string) (record []byte, ended string, err error)
	// DeleteSession ends a session, and deletes its state, for every
	// replica.
	DeleteSession(ctx context.Context, id, why string) error
	// ListSessions returns the live sessions' records.
	ListSessions(ctx context.Context) ([][]byte, error)
	// SyncSessions starts the TTL of the sessions used (ttls[i] > 0)
	// again and says which are live and their shared scenarios' versions.
	SyncSessions(ctx context.Context, ids []string, ttls []time.Duration) (alive []bool, versions []string, err error)
}

// A SessionScope is where a session's own state is kept among replicas.
type SessionScope struct {
	Shared   SharedState
	Calls    CallStore
	Counters CounterStore
	Journal  mockserver.JournalStore
	// Close writes the journal's queue, when the session ends here.
	Close func(context.Context) error
}

// sessionRecord is a session as SessionStore keeps it.
type sessionRecord struct {
	ID        string    `json:"id"`
	AuthID    string    `json:"auth_id"`
	AuthToken string    `json:"auth_token"`
	TTLMillis int64     `json:"ttl_ms"`
	Created   time.Time `json:"created"`
}

// sessionSyncInterval is how often a replica syncs its sessions with the
// store: it bounds how late a change made on another replica (an
// activation, a deletion) is seen here.
const sessionSyncInterval = 250 * time.Millisecond

// load takes up a session another replica created.
func (ss *Sessions) load(ctx context.Context, id string) (*Session, error) {
	ss.loadMu.Lock()
	defer ss.loadMu.Unlock()
	if v, ok := ss.byID.Load(id); ok && !v.(*Session).ended.Load() {
		return v.(*Session), nil
	}
	if len(id) != sessionIDLen {
		return nil, ss.unknown(id, "")
	}
	raw, why, err := ss.opts.Store.LoadSession(ctx, id)
	if err != nil {
		return nil, &StoreError{Err: err}
	}
	if raw == nil {
		return nil, ss.unknown(id, why)
	}
	var rec sessionRecord
	if err := json.Unmarshal(raw, &rec); err != nil || rec.ID != id {
		return nil, fmt.Errorf("%w %q: its record in the store does not read: %v", ErrUnknownSession, id, err)
	}
	s := &Session{ID: id, AuthID: rec.AuthID, AuthToken: rec.AuthToken, TTL: time.Duration(rec.TTLMillis) * time.Millisecond, Created: rec.Created}
	if s.director, err = ss.newDirector(s); err != nil {
		return nil, err
	}
	if err := s.director.followOnce(ctx); err != nil {
		ss.closeScope(s)
		return nil, err
	}
	ss.withJournal(s)
	s.used.Store(ss.now.Load())
	s.synced = s.used.Load()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		ss.closeScope(s)
		return nil, errors.New("the fake is closed")
	}
	ss.byID.Store(id, s)
	ss.live.Add(1)
	if !ss.sweeping {
		ss.sweeping = true
		go ss.sweeper()
	}
	return s, nil
}

// followOnce takes up the shared state of the Director's store now.
func (d *Director) followOnce(ctx context.Context) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.followLocked(ctx)
}

// sync is Sweep with a SessionStore: one round trip for every session this
// replica serves.
func (ss *Sessions) sync() {
	var list []*Session
	ss.byID.Range(func(_, v any) bool {
		list = append(list, v.(*Session))
		return true
	})
	if len(list) == 0 {
		return
	}
	ids, ttls := make([]string, len(list)), make([]time.Duration, len(list))
	for i, s := range list {
		ids[i] = s.ID
		if u := s.used.Load(); u != s.synced {
			ttls[i], s.synced = s.TTL, u
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	alive, versions, err := ss.opts.Store.SyncSessions(ctx, ids, ttls)
	if err != nil {
		ss.def.opts.Logger.Warn("sessions not synced with the store", slog.String("error", err.Error()))
		return
	}
	for i, s := range list {
		switch {
		case !alive[i]:
			_, why, _ := ss.opts.Store.LoadSession(ctx, s.ID)
			ss.end(s, cmp.Or(why, "ended on another replica"))
		case versions[i] != "" && versions[i] != s.director.Version():
			if err := s.director.followOnce(ctx); err != nil {
				ss.def.opts.Logger.Warn("session scenarios not followed", slog.String("session", s.ID), slog.String("error", err.Error()))
			}
		}
	}
}
