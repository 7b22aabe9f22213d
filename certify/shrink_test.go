package certify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
)

// A failing case is shrunk to the smallest input that still fails the same
// way, keeping what the failure needs: the non-ASCII text a client mangles,
// the call before a repeated action. The reports show it and the replay.
func TestShrinkKeepsWhatFails(t *testing.T) {
	tests := []struct {
		fault, cases string
		check        func(t *testing.T, s *certify.Shrunk)
	}{
		{"ascii-only-payload", "runPhlo/ok", func(t *testing.T, s *certify.Shrunk) {
			assert.True(t, s.Reduced)
			assert.Equal(t, "+14152223333", s.Params.Payload["from"], "the plainest from")
			assert.Equal(t, "+14152225555", s.Params.Payload["to"], "the plainest to")
			assert.NotEqual(t, "a", s.Params.Payload["note"], "the text it mangles stays")
			assert.Contains(t, s.Params.Payload, "note")
		}},
		{"dedupe-repeat", "hold/twice", func(t *testing.T, s *certify.Shrunk) {
			assert.Equal(t, []string{"hold"}, s.Before, "the repeat needs the first hold")
			assert.Equal(t, "+14152223333", s.Params.MemberAddress, "the plainest member address")
		}},
		{"idempotent-actions", "unhold/before-hold", func(t *testing.T, s *certify.Shrunk) {
			assert.Empty(t, s.Before, "an unhold refused alone fails the same way")
			assert.True(t, s.Reduced)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			cases, err := certify.Select(certify.Cases(), tt.cases)
			require.NoError(t, err)
			rep, err := helperRunner(t, tt.fault, 0).Run(context.Background(), cases)
			require.NoError(t, err)
			require.Len(t, rep.Results, 1)
			res := rep.Results[0]
			require.Equal(t, certify.VerdictFail, res.Verdict)
			require.NotNil(t, res.Shrunk, "shrunk")
			assert.LessOrEqual(t, res.Shrunk.Tries, 8, "bounded")
			tt.check(t, res.Shrunk)

			var text, js bytes.Buffer
			require.NoError(t, certify.WriteText(&text, rep))
			assert.Contains(t, text.String(), "shrunk (")
			assert.Contains(t, text.String(), "replay: phlomock certify --driver ... --seed 0 --cases '"+tt.cases+"'")
			require.NoError(t, certify.WriteJSON(&js, rep))
			var out struct {
				Results []struct {
					Shrunk *certify.Shrunk `json:"shrunk"`
					Replay string          `json:"replay"`
				} `json:"results"`
			}
			require.NoError(t, json.Unmarshal(js.Bytes(), &out))
			require.NotNil(t, out.Results[0].Shrunk)
			assert.Equal(t, res.Shrunk.Params, out.Results[0].Shrunk.Params)
			assert.NotEmpty(t, out.Results[0].Replay)
		})
	}
}
