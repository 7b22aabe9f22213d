package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// TestDashboardCallbacks: the call timeline shows each callback beside
// the action that fired it, with its delivery result.
func TestDashboardCallbacks(t *testing.T) {
	ctx := browser(t)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/down") {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer rcv.Close()
	file := filepath.Join(t.TempDir(), "cb.yaml")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`version: 1
name: cb
stateful: true
world:
  phlos:
    - id: %s
      nodes:
        - id: %s
          members: [{address: "%s", role: agent}, {address: "%s", role: customer}]
          callbacks: {urls: ["%s/ok", "%s/down"]}
`, flowPhlo, flowNode, agent, customer, rcv.URL, rcv.URL)), 0o644))
	doc, err := openapi.Load()
	require.NoError(t, err)
	cb := callbacks.New(callbacks.Config{Retries: -1})
	f, err := fake.New(doc, fake.Config{Scenarios: []string{file}, Callbacks: cb})
	require.NoError(t, err)
	api, admin := httptest.NewServer(f.Handler()), httptest.NewServer(f.AdminHandler())
	defer api.Close()
	defer admin.Close()
	defer func() { _ = f.Close(context.Background()) }()

	req, err := http.NewRequest("POST", api.URL+member(customer), strings.NewReader(`{"action":"hangup"}`))
	require.NoError(t, err)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Eventually(t, func() bool { return cb.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(admin.URL+"/__admin/ui/")))
	waitFor(t, ctx, `document.querySelector('#calls-list tr.callbacks') !== null`)
	outcomes := eval[[]string](t, ctx, `[...document.querySelectorAll('#calls-list tr.callbacks[data-step="1"] .callback')].map(s => s.dataset.event + ' ' + s.dataset.outcome)`)
	assert.ElementsMatch(t, []string{"ConferenceExit delivered", "ConferenceExit gave-up"}, outcomes)
	assert.Contains(t, text(t, ctx, `#calls-list tr.callbacks[data-step="1"]`), "gave-up 503")
}
