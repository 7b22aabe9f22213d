package director_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver/director"
)

// TestSessionsPlivoNode: plivo-node, unmodified, drives two sessions at
// once through two accounts (transfer-flow in one, bad-role in the other):
// each sees only its own scenario's answers, its own verify and journal;
// the default session sees nothing.
func TestSessionsPlivoNode(t *testing.T) {
	sdktest.SkipShort(t)
	_, dir := sdktest.PlivoNode(t)
	script, err := filepath.Abs("testdata/sessions-plivo-node.js")
	require.NoError(t, err)
	f := newSessionFake(t, director.SessionOptions{})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, f.api, f.admin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", out)

	type answer struct {
		OK      bool   `json:"ok"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	type test struct {
		AuthID  string   `json:"auth_id"`
		Answers []answer `json:"answers"`
		Verify  int      `json:"verify"`
		Journal []string `json:"journal"`
	}
	var got struct {
		A, B           test
		DefaultJournal int `json:"default_journal"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.NotEqual(t, got.A.AuthID, got.B.AuthID)

	require.Len(t, got.A.Answers, 3)
	assert.True(t, got.A.Answers[0].OK, "transfer-flow: the first cold transfer is accepted: %+v", got.A.Answers[0])
	for _, a := range got.A.Answers[1:] {
		assert.Equal(t, 400, a.Status, "transfer-flow: the agent who left cannot transfer again: %+v", a)
		assert.NotContains(t, a.Message, "role", "not the other session's scenario")
	}
	for _, a := range got.B.Answers {
		assert.Equal(t, 400, a.Status, "bad-role: %+v", a)
		assert.Contains(t, a.Message, "Invalid value provided for role.")
	}
	for _, tt := range []test{got.A, got.B} {
		assert.Equal(t, 3, tt.Verify, "verify counts the session's own requests")
		assert.Len(t, tt.Journal, 3)
		for _, e := range tt.Journal {
			assert.Contains(t, e, tt.AuthID, "only the session's own exchanges")
		}
	}
	assert.Equal(t, 0, got.DefaultJournal, "the default session saw nothing")
}
