package mockserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

// What the fake notes about a request reaches its log at WARN, not only the
// journal: a leniency (the real API may refuse the request; certify would
// fail the client) and why credentials were refused (the 401's body stays
// the real API's text, the same as auth-failure's).
func TestNotesReachTheLog(t *testing.T) {
	var logs bytes.Buffer
	s := newServer(t, mockserver.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Store:  mockserver.State{Accounts: mockserver.StaticAccounts{"MAONE": "one", "MATWO": "two"}},
	})
	tests := []struct {
		name, auth, ct string
		status         int
		wantMsg        string
		wantAttr       string // the attribute holding the note
		want           string // the note, or a part of it
	}{
		{"form content type", "MAONE:one", "application/x-www-form-urlencoded", 201,
			"request accepted leniently: the real API may refuse it", "lenient", `Content-Type "application/x-www-form-urlencoded" with a JSON body read as application/json: send Content-Type: application/json`},
		{"no content type", "MAONE:one", "", 201,
			"request accepted leniently: the real API may refuse it", "lenient", `Content-Type "" with a JSON body read as application/json`},
		{"foreign auth id", "MAPHLOMOCKDEFAULT001:phlomock-default-auth-token", "application/json", 401,
			"request refused", "note", `Auth ID "MAPHLOMOCKDEFAULT001" is not an account of this fake; it accepts MAONE, MATWO`},
		{"wrong token", "MATWO:one", "application/json", 401,
			"request refused", "note", `wrong Auth Token for Auth ID "MATWO"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			r := do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1", tt.auth, tt.ct, seedBody)
			require.Equal(t, tt.status, r.status, "body %s", r.raw)
			if tt.status == 401 {
				var body map[string]any
				require.NoError(t, json.Unmarshal([]byte(r.raw), &body))
				assert.Equal(t, mockserver.AuthenticationFailed, body["error"], "the body is the real API's text")
				assert.NotContains(t, r.raw, "MAONE", "the body names no account")
				e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
				assert.Contains(t, e.Note, tt.want, "the journal's note")
			}
			var line map[string]any
			require.NoError(t, json.Unmarshal(logs.Bytes(), &line), "one log line: %s", logs.String())
			assert.Equal(t, "WARN", line["level"])
			assert.Equal(t, tt.wantMsg, line["msg"])
			assert.Contains(t, line[tt.wantAttr], tt.want)
			assert.NotContains(t, logs.String(), "one\"", "never a token")
		})
	}
	t.Run("a strict request logs at info", func(t *testing.T) {
		logs.Reset()
		require.Equal(t, 201, do(t, s, "POST", "/v1/phlo/P1/multi_party_call/N1", "MAONE:one", "application/json", seedBody).status)
		assert.Contains(t, logs.String(), `"level":"INFO","msg":"request"`)
	})
}
