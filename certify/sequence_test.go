package certify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// The fake answers each call of a sequence as the call model says
// (Case.Expect, computed from package mockserver/multiparty, not written
// by hand): the reference client's requests, in order, are refused or
// accepted as expected, with the model's reason.
func TestSequencesAnswerAsTheModel(t *testing.T) {
	cases, err := certify.Select(certify.Cases(), "*/twice,*/before-*,*/after-*")
	require.NoError(t, err)
	require.Len(t, cases, 5)
	rep := certifyWith(t, sdktest.Quote(buildPhlomock(t))+" driver", "", cases)
	require.True(t, rep.Certified())
	for _, res := range rep.Results {
		exp, err := res.Case.Expect()
		require.NoError(t, err)
		var actions []int
		for i, e := range res.Journal {
			if e.Method == "POST" {
				actions = append(actions, i)
			}
		}
		require.Len(t, actions, len(exp), "%s: one action per call", res.Case.ID)
		for k, i := range actions {
			e := res.Journal[i]
			if exp[k].Refused {
				assert.Equal(t, 400, e.Status, "%s call %d", res.Case.ID, k+1)
				assert.Contains(t, string(e.Answer), exp[k].Reason, "%s call %d", res.Case.ID, k+1)
			} else {
				assert.Less(t, e.Status, 300, "%s call %d: %s", res.Case.ID, k+1, e.Answer)
			}
		}
	}
}
