package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/scenarios"
)

const callbacksYAML = `version: 1
name: transfer-callbacks
stateful: true
world:
  phlos:
    - id: P1
      nodes:
        - id: N1
          name: Multi-Party Call_1
          members: [{address: "+14152225555", role: agent}, {address: "+14152223333", role: customer}]
          callbacks:
            urls: [http://127.0.0.1:9000/events, "http://localhost:9001/mpc?tenant=a"]
            method: GET
            from: "+14155550100"
callbacks:
  faults:
    - {event: ConferenceExit, drop: true}
    - {nth: 2, duplicate: 1, delay: {min: 10ms, max: 20ms}}
    - {action: cold_transfer, fail: true}
    - {event: Redirect, reorder: true, bad_signature: true}
`

func TestParseCallbacks(t *testing.T) {
	s, err := scenarios.Parse("cb.yaml", []byte(callbacksYAML))
	require.NoError(t, err)
	require.NoError(t, s.Validate(nil))
	nc := s.World.PHLOs[0].Nodes[0].Callbacks
	require.NotNil(t, nc)
	assert.Equal(t, []string{"http://127.0.0.1:9000/events", "http://localhost:9001/mpc?tenant=a"}, nc.URLs)
	assert.Equal(t, "GET", nc.Method)
	assert.Equal(t, "+14155550100", nc.From)
	f := s.Callbacks.Faults
	require.Len(t, f, 4)
	assert.Equal(t, "ConferenceExit", f[0].Event)
	assert.True(t, f[0].Drop)
	assert.Equal(t, 2, f[1].Nth)
	assert.Equal(t, 1, f[1].Duplicate)
	assert.Equal(t, 10*time.Millisecond, f[1].Delay.Min)
	assert.Equal(t, 20*time.Millisecond, f[1].Delay.Max)
	assert.True(t, f[2].Fail)
	assert.Equal(t, "cold_transfer", f[2].Action)
	assert.True(t, f[3].Reorder && f[3].BadSignature)
	assert.Equal(t, 17, f[0].Pos.Line)
}

func TestCallbacksProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"misspelt key", "callbacks:\n  faults:\n    - {evnt: ConferenceExit, drop: true}\n",
			[]string{`x.yaml:6:8: unknown key "evnt" (did you mean "event"?)`}},
		{"unknown event", "callbacks:\n  faults:\n    - {event: ConferenceExt, drop: true}\n",
			[]string{`x.yaml:6:7: callback fault 1: unknown event "ConferenceExt" (did you mean "ConferenceExit"?): want one of ConferenceEnter, ConferenceExit, Redirect, Completed, Failed`}},
		{"unknown action", "callbacks:\n  faults:\n    - {action: transfer, drop: true}\n", []string{`unknown action "transfer"`}},
		{"no effect", "callbacks:\n  faults:\n    - {event: Redirect}\n", []string{"callback fault 1 has no effect: want delay, drop, duplicate, reorder, bad_signature or fail"}},
		{"bad numbers", "callbacks:\n  faults:\n    - {nth: -1, duplicate: -2}\n",
			[]string{"nth -1: want 1 or more", "duplicate -2: want the number of extra copies"}},
		{"fail with event", "callbacks:\n  faults:\n    - {event: Redirect, fail: true}\n", []string{"fail selects by action only"}},
		{"drop with others", "callbacks:\n  faults:\n    - {drop: true, duplicate: 1}\n", []string{"keep drop alone"}},
		{"bad delay", "callbacks:\n  faults:\n    - {delay: {min: 2s, max: 1s}}\n", []string{"delay min 2s is above max 1s"}},
		{"node without url", "world:\n  phlos:\n    - id: P\n      nodes:\n        - id: N\n          callbacks: {method: POST}\n", []string{"node N: callbacks without a url"}},
		{"node with bad url and method", "world:\n  phlos:\n    - id: P\n      nodes:\n        - id: N\n          callbacks: {url: \"ftp://x/y\", method: PUT}\n",
			[]string{`node N: callback url "ftp://x/y": want an http:// or https:// URL`, `node N: callback method "PUT": want POST or GET`}},
		{"urls not a list", "world:\n  phlos:\n    - id: P\n      nodes:\n        - id: N\n          callbacks: {urls: http://x/}\n", []string{`x.yaml:9:29: got "http://x/", want a list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nname: x\nstateful: true\n" + tt.yaml
			_, err := scenarios.Check("x.yaml", []byte(src), nil)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tt.want), "one line per problem:\n%v", err)
		})
	}
}
