package main

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Entries the shared journal drops are logged, the new ones once, with
// the total; none dropped, nothing logged.
func TestWatchJournalDrops(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var dropped atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); watchJournalDrops(ctx, dropped.Load, time.Millisecond, logger) }()
	time.Sleep(10 * time.Millisecond) // a few looks at nothing dropped
	assert.Empty(t, logs.String())
	dropped.Store(7)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "total=7") && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "journal entries not shared"), out)
	assert.Contains(t, out, "dropped=7 total=7")
	assert.Contains(t, out, "level=WARN")
}
