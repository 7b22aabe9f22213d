package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
)

// attack is the script of a hostile page: it tries every state-changing
// route of the control plane at cp, each the ways a page can without a
// preflight (no-cors fetch with text/plain, a form's types, no body), and
// the ways that need one (JSON), then a form posted into a frame. It
// resolves to the statuses it could read (same-origin only), by route.
const attack = `async (cp) => {
  const yaml = 'version: 1\nname: evil\nrules: [{respond: 418}]\n';
  const tries = [
    ['PUT', 'scenarios/active', '{"names":["server-error"]}'],
    ['POST', 'scenarios', yaml],
    ['POST', 'scenarios?activate=true', yaml],
    ['DELETE', 'scenarios/keep', undefined],
    ['POST', 'reset', undefined],
    ['DELETE', 'journal', undefined],
    ['POST', 'verify', '{}'],
  ];
  const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json', undefined];
  const seen = {};
  for (const [method, path, body] of tries) {
    for (const type of types) {
      for (const mode of ['no-cors', 'cors']) {
        const headers = type ? {'Content-Type': type} : {};
        try {
          const r = await fetch(cp + path, {method, mode, headers, body, credentials: 'include'});
          if (r.type !== 'opaque') seen[method + ' ' + path] = r.status;
        } catch (e) { /* refused by the browser: a preflight failed */ }
      }
    }
  }
  for (const [action, enctype] of [['reset', 'text/plain'], ['scenarios', 'application/x-www-form-urlencoded'], ['verify', 'multipart/form-data']]) {
    const frame = document.createElement('iframe');
    frame.name = 'f' + action;
    document.body.append(frame);
    const form = document.createElement('form');
    form.method = 'POST'; form.action = cp + action; form.enctype = enctype; form.target = frame.name;
    const input = document.createElement('input');
    input.name = 'version: 1\nname: evil\nrules: [{respond: 418}]\n#'; input.value = '';
    form.append(input);
    document.body.append(form);
    await new Promise(done => { frame.onload = done; form.submit(); setTimeout(done, 5000); });
  }
  return JSON.stringify(seen);
}`

// TestCrossSiteInBrowser has Chromium open pages that try every route that
// changes the control plane's state, from another loopback port (another
// origin) and through DNS rebinding (evil.example resolving to the control
// plane's own address: same origin for the browser), and checks nothing
// changed: the active set, the uploaded scenarios, the journal and the
// rules' counters are as before.
func TestCrossSiteInBrowser(t *testing.T) {
	ctx := browser(t, chromedp.Flag("host-resolver-rules", "MAP evil.example 127.0.0.1"))
	fake := faketest.NewServer(t, fake.Config{}, "flaky")
	admin := func(method, path, ctype, body string) (int, string) {
		req, err := http.NewRequest(method, fake.AdminURL+"/__admin/"+path, strings.NewReader(body))
		require.NoError(t, err)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := admin("POST", "scenarios?activate=false", "application/yaml", "version: 1\nname: keep\nrules: [{respond: 418}]\n")
	require.Equal(t, http.StatusCreated, status, body)
	// flaky fails twice, then succeeds: a reset would make it fail again.
	for range 3 {
		send(t, fake, "GET", "/v1/phlo/P1", "")
	}
	state := func() string {
		_, scenarios := admin("GET", "scenarios", "", "")
		// The journal's oldest entry: the first request's, unless it was
		// emptied.
		var journal struct{ Entries []struct{ Seq int } }
		_, j := admin("GET", "journal?after=0&limit=1", "", "")
		require.NoError(t, json.Unmarshal([]byte(j), &journal))
		first := 0
		if len(journal.Entries) > 0 {
			first = journal.Entries[0].Seq
		}
		// The next answer of flaky: 200 unless the counters were reset.
		next := send(t, fake, "GET", "/v1/phlo/P1", "")
		return fmt.Sprintf("%s first:%d next:%d", scenarios, first, next)
	}
	before := state()
	require.Contains(t, before, `"keep"`)
	require.Contains(t, before, "first:1 next:200")

	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<!doctype html><title>a page of another site</title><body></body>")
	}))
	t.Cleanup(site.Close)
	cp, err := url.Parse(fake.AdminURL)
	require.NoError(t, err)

	t.Run("from another origin", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(site.URL)))
		seen := await[string](t, ctx, `(`+attack+`)(`+jsString(fake.AdminURL+"/__admin/")+`)`)
		t.Logf("readable answers: %s", seen)
		assert.Equal(t, before, state(), "another origin changed the control plane's state")
	})

	t.Run("through DNS rebinding", func(t *testing.T) {
		before := state()
		rebound := "http://evil.example:" + cp.Port()
		// The dashboard's own page under the rebound name: the attack runs
		// in the control plane's origin, as far as the browser knows.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(rebound+"/__admin/ui/")))
		seen := await[string](t, ctx, `(`+attack+`)(`+jsString(rebound+"/__admin/")+`)`)
		var statuses map[string]int
		require.NoError(t, json.Unmarshal([]byte(seen), &statuses))
		require.NotEmpty(t, statuses, "same origin: the page reads its answers")
		for route, status := range statuses {
			assert.Equal(t, http.StatusForbidden, status, "%s through a rebound name: got %d, want 403", route, status)
		}
		read := await[int](t, ctx, `fetch('/__admin/journal').then(r => r.status)`)
		assert.Equal(t, http.StatusForbidden, read, "the rebound page reads the journal")
		assert.Equal(t, before, state(), "a rebound page changed the control plane's state")
	})

	t.Run("the dashboard from its own origin still changes state", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(fake.AdminURL+"/__admin/ui/")))
		waitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`)
		status := await[int](t, ctx, `fetch('/__admin/reset', {method: 'POST'}).then(r => r.status)`)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, state(), "next:500", "the reset from the dashboard's origin took effect")
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// await evaluates js, a promise, and returns what it resolves to.
func await[T any](tb testing.TB, ctx context.Context, js string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(tb, err, "evaluate %s", js)
	return v
}
