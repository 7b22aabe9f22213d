package main

import (
	"io"
	"os"
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
			_, opts, err := c.options(nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, opts.JournalBodyLimit)
		})
	}
}
