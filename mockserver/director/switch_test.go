package director_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// switchAfterState takes the Director's state for a request, then
// activates another scenario at once: what the request sees must not
// change.
type switchAfterState struct {
	*director.Director
	then func()
}

func (p switchAfterState) State(r *http.Request) (mockserver.State, error) {
	st, err := p.Director.State(r)
	p.then()
	return st, err
}

// TestSwitchSeenWhole switches the active scenario at the worst moment:
// after the fake took the request's state, before it checks the
// credentials (soak-a's account) and asks for the answer. A request is
// served by one scenario from start to end, so soak-a's rules must answer.
// The soak test (TestSoak) checks the same under load.
func TestSwitchSeenWhole(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	d, err := director.New(director.Options{})
	require.NoError(t, err)
	parse := func(name string) *scenarios.Scenario {
		s, err := scenarios.Parse(name+".yaml", []byte(soakScenario(name)))
		require.NoError(t, err)
		return s
	}
	a, b := parse("soak-a"), parse("soak-b")
	require.NoError(t, d.Activate(a))
	p := switchAfterState{Director: d, then: func() { require.NoError(t, d.Activate(b)) }}
	s, err := mockserver.New(doc, mockserver.Options{Store: p})
	require.NoError(t, err)
	req := httptest.NewRequest("GET", "/v1/phlo/P1", strings.NewReader(""))
	req.SetBasicAuth("MAsoak-a", "token-soak-a")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "soak-a's account was accepted")
	assert.Equal(t, "soak-a", rec.Header().Get("X-Set"), "got the answer of soak-b, want soak-a's: the request saw half of a switch")
	assert.Equal(t, []string{"soak-b"}, d.Active(), "the switch happened")
}
