package fake

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/syncbuf"
)

// Entries the shared journal drops are logged, the new ones once, with
// the total; none dropped, nothing logged. Each phase waits for the
// watcher's own looks, so it fails if the watcher never looks.
func TestWatchJournalDrops(t *testing.T) {
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var dropped atomic.Uint64
	var looks atomic.Int64
	count := func() uint64 { looks.Add(1); return dropped.Load() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); watchJournalDrops(ctx, count, time.Millisecond, logger) }()
	require.Eventually(t, func() bool { return looks.Load() >= 3 }, 5*time.Second, time.Millisecond, "the watcher looked")
	assert.Empty(t, logs.String(), "nothing dropped, nothing logged")
	dropped.Store(7)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "total=7") }, 5*time.Second, time.Millisecond)
	seen := looks.Load()
	require.Eventually(t, func() bool { return looks.Load() >= seen+3 }, 5*time.Second, time.Millisecond, "the watcher looked again")
	cancel()
	<-done
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "journal entries not shared"), out)
	assert.Contains(t, out, "dropped=7 total=7")
	assert.Contains(t, out, "level=WARN")
}
