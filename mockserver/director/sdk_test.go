package director_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
)

// The three scenarios named when the project was set up, and what an
// unmodified client must show for the seed's cold transfer under each.
var namedScenarios = []struct {
	name   string
	ok     bool
	status string // of the cold transfer, as curl shows it
	error  string // substring of the client's error message
	rule   string // the rule the fake's journal names
}{
	{"success", true, "201", "", ""},
	{"bad-role", false, "400", "Invalid value provided for role.", "refuse-role"},
	{"auth-failure", false, "401", "Authentication failed", "revoked-credentials"},
}

// fakeFor starts a fake with the scenario selected by flag (at
// construction, as serve --scenario) or at runtime (the control plane,
// after starting with success).
func fakeFor(t *testing.T, selection, scenario string) *faketest.Server {
	t.Helper()
	if selection == "flag" {
		return faketest.NewServer(t, fake.Config{}, scenario)
	}
	s := faketest.NewServer(t, fake.Config{}, "success")
	require.Equal(t, 200, admin(t, s, "PUT", "/__admin/scenarios/active", "application/json", `{"names":["`+scenario+`"]}`, nil))
	return s
}

// lastRule is the rule the journal names for the fake's latest exchange.
func lastRule(t *testing.T, s *faketest.Server) string {
	t.Helper()
	es := s.Journal(mockserver.Filter{Limit: 1})
	require.Len(t, es, 1, "the fake saw the client")
	return es[0].Rule
}

// TestUnmodifiedClients: success, bad-role and auth-failure each work with
// plivo-go, plivo-node and curl, selected by flag, by header and at
// runtime. The SDKs cannot send a header of one's choosing without being
// modified, so the header column is curl's alone.
func TestUnmodifiedClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts SDK drivers; skipped with -short")
	}
	params := driver.Params{PhloID: phloID, NodeID: nodeID, To: "+14152224444", Role: "agent", TriggerSource: "+14152225555"}
	for _, client := range []struct {
		name  string
		start func(testing.TB) (string, string)
	}{{"plivo-go", sdktest.PlivoGo}, {"plivo-node", sdktest.PlivoNode}} {
		t.Run(client.name, func(t *testing.T) {
			command, dir := client.start(t)
			d, err := driver.Start(context.Background(), command, driver.Options{Dir: dir, HelloTimeout: time.Minute, CallTimeout: 30 * time.Second})
			require.NoError(t, err)
			defer func() { assert.NoError(t, d.Close()) }()
			for _, selection := range []string{"flag", "runtime"} {
				for _, sc := range namedScenarios {
					t.Run(selection+"/"+sc.name, func(t *testing.T) {
						s := fakeFor(t, selection, sc.name)
						r, err := d.Call(context.Background(), driver.CallMessage{
							ID: selection + "/" + sc.name, Operation: driver.OpColdTransfer,
							BaseURL: s.URL, AuthID: s.AuthID, AuthToken: s.AuthToken, Params: params,
						})
						require.NoError(t, err)
						if sc.ok {
							assert.Equalf(t, driver.OutcomeSuccess, r.Outcome, "result %+v", r)
						} else {
							require.Equalf(t, driver.OutcomeError, r.Outcome, "result %+v", r)
							require.NotNil(t, r.Error)
							assert.Contains(t, r.Error.Message, sc.error)
						}
						assert.Equal(t, sc.rule, lastRule(t, s))
					})
				}
			}
		})
	}

	t.Run("curl", func(t *testing.T) {
		sdktest.Need(t, sdktest.HasCommand("curl"), "curl")
		body := `{"action":"cold_transfer","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`
		for _, selection := range []string{"flag", "header", "runtime"} {
			for _, sc := range namedScenarios {
				t.Run(selection+"/"+sc.name, func(t *testing.T) {
					var s *faketest.Server
					args := []string{"-s", "-u", mockserver.DefaultAuthID + ":" + mockserver.DefaultAuthToken, "-H", "Content-Type: application/json", "-d", body, "-w", `\n%{http_code}`}
					if selection == "header" {
						s = faketest.NewServer(t, fake.Config{}, "success")
						args = append(args, "-H", "X-Phlomock-Scenario: "+sc.name)
					} else {
						s = fakeFor(t, selection, sc.name)
					}
					out, err := exec.Command("curl", append(args, s.URL+nodePath)...).Output()
					require.NoError(t, err)
					answer, status, _ := strings.Cut(string(out), "\n")
					var got map[string]any
					require.NoError(t, json.Unmarshal([]byte(answer), &got), "answer %q", answer)
					assert.Equal(t, sc.status, strings.TrimSpace(status))
					if sc.ok {
						assert.Equal(t, "", got["error"])
					} else {
						assert.Contains(t, got["error"], sc.error)
					}
					assert.Equal(t, sc.rule, lastRule(t, s))
				})
			}
		}
	})
}
