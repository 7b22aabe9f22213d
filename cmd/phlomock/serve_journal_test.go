package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

// --journal-body-limit and PHLOMOCK_JOURNAL_BODY_LIMIT reach the fake's
// options; the flag wins over the variable.
func TestServeJournalBodyLimit(t *testing.T) {
	tests := []struct {
		name string
		env  string
		args []string
		want int
	}{
		{"default", "", nil, mockserver.DefaultJournalBodyLimit},
		{"env", "1024", nil, 1024},
		{"flag wins", "1024", []string{"--journal-body-limit", "-1"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PHLOMOCK_JOURNAL_BODY_LIMIT", tt.env)
			if tt.env == "" {
				os.Unsetenv("PHLOMOCK_JOURNAL_BODY_LIMIT") // restored by Setenv
			}
			fs, c, err := serveFlags(io.Discard)
			require.NoError(t, err)
			require.NoError(t, fs.Parse(tt.args))
			opts, err := c.fakeConfig(nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, opts.JournalBodyLimit)
		})
	}
}

// TestJournalPagingDoc runs docs/control-plane.md's paging example against
// serve with three exchanges: two pages, the first saying more follow.
func TestJournalPagingDoc(t *testing.T) {
	needCurl(t)
	s := startServe(t)
	for range 3 {
		status, msg := hit(t, "GET", s.api+"/v1/phlo/P1", "")
		require.Equal(t, 200, status, msg)
	}
	cmds := shellCommands(readmeBlock(t, "docs/control-plane.md", "#### Paging", "sh"))
	require.Len(t, cmds, 2)
	want := []struct {
		seqs []uint64
		next uint64
		more bool
	}{{[]uint64{1, 2}, 2, true}, {[]uint64{3}, 3, false}}
	for i, cmd := range cmds {
		out, err := exec.Command("sh", "-c", strings.ReplaceAll(cmd, "http://127.0.0.1:8081", s.admin)).CombinedOutput()
		require.NoErrorf(t, err, "%s: %s", cmd, out)
		var page mockserver.JournalPage
		require.NoErrorf(t, json.Unmarshal(out, &page), "%s: %s", cmd, out)
		var seqs []uint64
		for _, e := range page.Entries {
			seqs = append(seqs, e.Seq)
		}
		assert.Equal(t, want[i].seqs, seqs, cmd)
		assert.Equal(t, want[i].next, page.Next, cmd)
		assert.Equal(t, want[i].more, page.More, cmd)
	}
}

// TestGCPercent: a large journal is collected at the default GOGC, the
// rest at serve's.
func TestGCPercent(t *testing.T) {
	for size, want := range map[int]int{1: serveGCPercent, 1000: serveGCPercent, bigJournal: serveGCPercent, bigJournal + 1: 100, 100_000: 100} {
		if got := gcPercent(size); got != want {
			t.Errorf("gcPercent(%d): got %d, want %d", size, got, want)
		}
	}
}
