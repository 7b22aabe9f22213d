package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// The transfer-flow scenario's call.
const (
	flowPhlo = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	flowNode = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	agent    = "+14152225555"
	customer = "+14152223333"
)

// browser starts headless Chromium (Debian's chromium package) for the
// test, with a profile of its own, and stops it when the test ends. It
// skips without Chromium unless PHLOMOCK_REQUIRE_BROWSER=1, as CI sets.
func browser(tb testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	exe := os.Getenv("PHLOMOCK_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if exe != "" {
			break
		}
		exe, _ = exec.LookPath(name)
	}
	if exe == "" {
		if os.Getenv("PHLOMOCK_REQUIRE_BROWSER") == "1" {
			tb.Fatal("no chromium on PATH and PHLOMOCK_REQUIRE_BROWSER=1: apt-get install chromium (make testdeps)")
		}
		tb.Skip("no chromium on PATH (apt-get install chromium; PHLOMOCK_REQUIRE_BROWSER=1 makes this a failure)")
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1366, 900),
	}, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc, chromedp.WithErrorf(tb.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	tb.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	require.NoError(tb, chromedp.Do(ctx), "start chromium (%s)", exe)
	return ctx
}

// artifacts is where screenshots go: $PHLOMOCK_ARTIFACTS when set (CI
// keeps it), else the test's temporary directory.
func artifacts(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("PHLOMOCK_ARTIFACTS")
	if dir == "" {
		return tb.TempDir()
	}
	require.NoError(tb, os.MkdirAll(dir, 0o755))
	return dir
}

// screenshot saves a PNG of the element sel ("": the window) for people
// to look at.
func screenshot(tb testing.TB, ctx context.Context, dir, name, sel string) {
	tb.Helper()
	shot := chromedp.CaptureScreenshot()
	if sel != "" {
		// Rows off screen have an estimated height (content-visibility):
		// render them all, or the picture of a section is cut short.
		require.NoError(tb, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.journal > li').forEach(li => { li.style.contentVisibility = 'visible'; })`)))
		shot = chromedp.Screenshot(chromedp.CSS(sel))
	}
	png, err := chromedp.Run(ctx, shot)
	require.NoError(tb, err)
	path := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(path, png, 0o644))
	tb.Logf("screenshot %s", path)
}

// send makes one request to the fake and returns its status.
func send(tb testing.TB, fake *faketest.Server, method, path, body string) int {
	tb.Helper()
	req, err := http.NewRequest(method, fake.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := fake.Client().Do(req)
	require.NoError(tb, err)
	resp.Body.Close()
	return resp.StatusCode
}

func member(addr string) string {
	return "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode + "/members/" + addr
}

// text waits for sel and returns its text.
func text(tb testing.TB, ctx context.Context, sel string) string {
	tb.Helper()
	require.NoError(tb, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))), "wait for %s", sel)
	// textContent, not innerText: journal rows off screen are not
	// rendered (content-visibility), and innerText is empty for them.
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).textContent`))
	require.NoError(tb, err, "text of %s", sel)
	return s
}

func eval[T any](tb testing.TB, ctx context.Context, js string) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(tb, err, "evaluate %s", js)
	return v
}

// waitFor polls a JavaScript condition until it is true (the page polls
// the journal each second, so the waits are short).
func waitFor(tb testing.TB, ctx context.Context, cond string) {
	tb.Helper()
	require.NoError(tb, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(10*time.Second))), "wait until %s", cond)
}

func TestDashboardInBrowser(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	srv := faketest.NewServer(t, fake.Config{}, "transfer-flow")
	ui := srv.AdminURL + "/__admin/ui/"

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(ui)))
	waitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`)
	assert.Contains(t, text(t, ctx, "#active-names"), "transfer-flow")

	t.Run("journal is live", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, send(t, srv, "GET", "/v1/phlo/"+flowPhlo, ""))
		// A body the contract refuses: three violations with codes and pointers.
		assert.Equal(t, http.StatusBadRequest, send(t, srv, "POST", "/v1/phlo/"+flowPhlo+"/multi_party_call/"+flowNode,
			`{"action":"call","to":"hello","role":"boss"}`))
		assert.Equal(t, http.StatusNotFound, send(t, srv, "POST", "/v1/phlo/"+flowPhlo+"/multi_party_call/"+flowNode+"/member/"+customer, `{"action":"hold"}`))
		waitFor(t, ctx, `document.querySelectorAll('#journal-list > li').length === 3`)
		seqs := eval[[]string](t, ctx, `[...document.querySelectorAll('#journal-list > li')].map(li => li.dataset.seq)`)
		assert.Equal(t, []string{"3", "2", "1"}, seqs, "newest first")
		assert.Contains(t, text(t, ctx, `#journal-list li[data-seq="1"] summary`), "getPhlo")
		assert.Contains(t, text(t, ctx, `#journal-list li[data-seq="3"] summary`), "no route")
		screenshot(t, ctx, dir, "1-journal.png", "#journal")
	})

	t.Run("an entry expands", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#journal-list li[data-seq="2"] summary`))))
		entry := text(t, ctx, `#journal-list li[data-seq="2"] .entry`)
		assert.Contains(t, entry, "MAPHLOMOCKDEFAULT001:[redacted]", "the Basic password is redacted, the Auth ID kept")
		assert.NotContains(t, entry, srv.AuthToken)
		codes := eval[[]string](t, ctx, `[...document.querySelectorAll('#journal-list li[data-seq="2"] .violations tbody tr')].map(tr => tr.cells[0].textContent + ' ' + tr.cells[1].textContent)`)
		assert.Contains(t, codes, "invalid-value /role")
		assert.Contains(t, codes, "pattern /to")
		assert.Contains(t, codes, "missing /trigger_source")
		assert.Contains(t, entry, "source error")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#journal-list li[data-seq="3"] summary`))))
		miss := text(t, ctx, `#journal-list li[data-seq="3"] .closest`)
		assert.Contains(t, miss, "updateMember")
		screenshot(t, ctx, dir, "2-entry.png", `#journal-list li[data-seq="2"]`)
	})

	t.Run("a call's timeline follows a hold", func(t *testing.T) {
		waitFor(t, ctx, `document.querySelector('#calls-list .timeline') !== null`)
		waitFor(t, ctx, `document.querySelectorAll('#calls-list .timeline tbody tr').length === 2`) // the start, the bad role
		assert.Equal(t, "rejected by the contract", eval[string](t, ctx, `document.querySelector('#calls-list tr.refused').dataset.refused`))
		assert.Equal(t, "connected", eval[string](t, ctx, `document.querySelector('#calls-list tr[data-step="0"] td[data-member="`+customer+`"]').dataset.state`))

		assert.Equal(t, http.StatusCreated, send(t, srv, "POST", member(customer), `{"action":"hold"}`))
		assert.Equal(t, http.StatusBadRequest, send(t, srv, "POST", member(customer), `{"action":"hold"}`), "already on hold")
		assert.Equal(t, http.StatusCreated, send(t, srv, "POST", member(customer), `{"action":"unhold"}`))
		waitFor(t, ctx, `document.querySelectorAll('#calls-list .timeline tbody tr').length === 5`)
		state := func(step, addr string) string {
			return eval[string](t, ctx, `document.querySelector('#calls-list tr[data-step="`+step+`"] td[data-member="`+addr+`"]').dataset.state`)
		}
		assert.Equal(t, "on_hold", state("1", customer))
		assert.Equal(t, "connected", state("1", agent))
		assert.Equal(t, "connected", state("2", customer), "unhold")
		refused := text(t, ctx, `#calls-list tr.refused[data-refused="refused"]`)
		assert.Contains(t, refused, "refused")
		assert.Contains(t, refused, "hold refused for +14152223333: member is not connected")
		screenshot(t, ctx, dir, "3-call.png", "#calls")
	})

	t.Run("a bad upload lists its errors", func(t *testing.T) {
		bad := "version: 1\nname: broken\nrules:\n  - name: r\n    respnd: 500\n"
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#upload-text`), bad),
			chromedp.Click(chromedp.CSS(`#upload-form button[type=submit]`))))
		waitFor(t, ctx, `document.querySelectorAll('#upload-result .errors li').length > 0`)
		errs := eval[[]string](t, ctx, `[...document.querySelectorAll('#upload-result .errors li')].map(li => li.textContent)`)
		require.NotEmpty(t, errs)
		assert.Equal(t, `pasted.yaml:5:5: unknown key "respnd" (did you mean "respond"?)`, errs[0], "file:line:column")
		assert.Contains(t, text(t, ctx, "#upload-result"), "nothing changed")
		assert.Contains(t, text(t, ctx, "#active-names"), "transfer-flow", "nothing changed")
		screenshot(t, ctx, dir, "4-upload.png", "#scenarios")
	})

	t.Run("activating a scenario answers the next request", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#available tr[data-name="transfer-flow"] input`)),
			chromedp.Click(chromedp.CSS(`#available tr[data-name="server-error"] input`)),
			chromedp.Click(chromedp.CSS(`#activate-form button[type=submit]`))))
		waitFor(t, ctx, `document.querySelector('#active-names').textContent === 'server-error'`)
		assert.Equal(t, []string{"server-error"}, srv.Director.Active())
		assert.Equal(t, http.StatusInternalServerError, send(t, srv, "GET", "/v1/phlo/"+flowPhlo, ""))
		waitFor(t, ctx, `document.querySelector('#journal-list > li:first-child summary .status').textContent === '500'`)
		assert.Contains(t, text(t, ctx, `#journal-list > li:first-child summary .by`), "server-error")
		assert.Contains(t, text(t, ctx, "#calls-list"), "No active scenario is stateful")
	})

	t.Run("verify counts and explains", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#pattern`), `{"operation": "updateMember", "body": {"action": "hold"}}`),
			chromedp.Click(chromedp.CSS(`#verify-form button[type=submit]`))))
		waitFor(t, ctx, `document.querySelector('#verify-result .count') !== null`)
		assert.Equal(t, "2", text(t, ctx, "#verify-result .count"))
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(`#pattern`), `{"operation": "updateMember", "body": {"action": "hangup"}, "expect": 1}`),
			chromedp.Click(chromedp.CSS(`#verify-form button[type=submit]`))))
		waitFor(t, ctx, `document.querySelector('#verify-result .count')?.textContent === '0'`)
		near := text(t, ctx, "#verify-result .near")
		assert.Contains(t, near, `body.action: got "hold", want "hangup"`)
		assert.Contains(t, text(t, ctx, "#verify-result"), "expected 1")
		screenshot(t, ctx, dir, "5-verify.png", "#verify")
	})

	t.Run("accessibility", func(t *testing.T) {
		unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll('input, textarea, select, button')]
			.filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
			.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
			.map(el => el.outerHTML)`)
		assert.Empty(t, unlabelled, "every control has a label")

		// Keyboard: a journal entry opens with Enter from its focused summary.
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Focus(chromedp.CSS(`#journal-list li[data-seq="1"] summary`)),
			chromedp.KeyEvent("\r")))
		waitFor(t, ctx, `document.querySelector('#journal-list li[data-seq="1"] details').open`)
		// Tab moves from the header's last control to the journal filters, in order.
		require.NoError(t, chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`#pause`)), chromedp.KeyEvent("\t")))
		assert.Equal(t, "operation", eval[string](t, ctx, `document.activeElement.name`))
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\t")))
		assert.Equal(t, "method", eval[string](t, ctx, `document.activeElement.name`))

		// Contrast (WCAG AA, 4.5:1) of every text element against its
		// effective background.
		low := eval[[]string](t, ctx, contrastJS)
		assert.Empty(t, low, "text below 4.5:1")
		// The check can fail: light grey on white is reported.
		low = eval[[]string](t, ctx, `(() => { const p = document.createElement('p'); p.id = 'grey'; p.style.color = '#aaa'; p.textContent = 'grey'; document.querySelector('main').append(p); return 1; })() && `+contrastJS)
		require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('grey').remove()`)))
		assert.Len(t, low, 1, "the grey paragraph: %q", low)
	})

	t.Run("HTML reports", func(t *testing.T) {
		checkReport := func(t *testing.T, name string, write func(*os.File) error, verdict string, counts map[string]string) {
			path := filepath.Join(dir, name)
			f, err := os.Create(path)
			require.NoError(t, err)
			require.NoError(t, write(f))
			require.NoError(t, f.Close())
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+path)))
			assert.Equal(t, verdict, text(t, ctx, "#verdict"))
			for label, want := range counts {
				assert.Equal(t, want, text(t, ctx, `td[data-count="`+label+`"]`), label)
			}
			screenshot(t, ctx, dir, strings.TrimSuffix(name, ".html")+".png", "")
		}

		spec, err := openapi.Load()
		require.NoError(t, err)
		cases, err := contract.Generate(spec, contract.GenerateOptions{})
		require.NoError(t, err)
		broken := faketest.NewServer(t, fake.Config{}, "server-error")
		runner := &contract.Runner{Spec: spec, Target: contract.Target{BaseURL: broken.URL, AuthID: broken.AuthID, AuthToken: broken.AuthToken}}
		rep, err := runner.Run(context.Background(), cases)
		require.NoError(t, err)
		n, passed, failed, skipped := rep.Counts()
		checkReport(t, "7-conform-report.html", func(f *os.File) error {
			return contract.WriteHTML(f, rep, contract.HTMLOptions{Subject: broken.URL})
		}, contract.Summary(rep), map[string]string{"cases": fmt.Sprint(n), "passed": fmt.Sprint(passed), "failed": fmt.Sprint(failed), "skipped": fmt.Sprint(skipped)})
		assert.Equal(t, failed, eval[int](t, ctx, `document.querySelectorAll('section.failure').length`))
		first := text(t, ctx, "section.failure")
		assert.Contains(t, first, "status-unexpected")
		assert.Contains(t, first, "/status")
		assert.Contains(t, text(t, ctx, "section.failure pre.sent"), "/v1/")
		assert.Contains(t, text(t, ctx, "section.failure pre.received"), "500 Internal Server Error")
		assert.Regexp(t, `^curl -sS -i .*-u "\$PHLOMOCK_AUTH_ID:\$PHLOMOCK_AUTH_TOKEN" .*'`+regexp.QuoteMeta(broken.URL)+`/v1/`, text(t, ctx, "section.failure pre.curl"))
		assert.Contains(t, text(t, ctx, "table.skipped tbody"), "live case (it would place calls): run with --live")

		// A certification report of a client that says "success" to a
		// 500: its finding, the request it sent (from this fake's journal)
		// and a case the client does not offer.
		c, err := certify.Select(certify.Cases(), "hold/server-error")
		require.NoError(t, err)
		sent := srv.Journal(mockserver.Filter{OperationID: "updateMember", Status: http.StatusCreated})
		require.NotEmpty(t, sent)
		crep := &certify.Report{Client: "example-sdk", Version: "1.0.0", Operations: []string{"hold"}, Results: []certify.Result{
			{Case: c[0], Verdict: certify.VerdictFail, Requests: 1, Journal: sent[:1],
				Findings: []certify.Finding{{Code: "surfaced-success-on-error", Case: c[0].ID, Message: "the fake answered 500 and the client reported success"}}},
			{Case: certify.Case{ID: "getPhlo/ok", Operation: "getPhlo"}, Verdict: certify.VerdictSkipped, Skipped: "the client does not offer getPhlo"},
		}}
		checkReport(t, "8-certify-report.html", func(f *os.File) error { return certify.WriteHTML(f, crep) },
			"NOT certified", map[string]string{"cases": "2", "passed": "0", "failed": "1", "skipped": "1"})
		failure := text(t, ctx, "section.failure")
		assert.Contains(t, failure, "surfaced-success-on-error")
		assert.Contains(t, failure, "the fake answered 500 and the client reported success")
		assert.Contains(t, text(t, ctx, "section.failure pre.sent"), "Authorization: Basic MAPHLOMOCKDEFAULT001:[redacted]")
		assert.Contains(t, text(t, ctx, "section.failure pre.setup"), "phlomock serve --scenario hold-server-error.yaml")
		assert.Contains(t, text(t, ctx, "section.failure pre.curl"), "'http://127.0.0.1:8080/v1/phlo/")
		assert.Contains(t, text(t, ctx, "table.skipped tbody"), "the client does not offer getPhlo")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(ui)))
		waitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`)
	})

	t.Run("behind a prefix and a token", func(t *testing.T) {
		spec, err := openapi.Load()
		require.NoError(t, err)
		one, err := fake.New(spec, fake.Config{AdminPrefix: "/mock", AdminToken: "s3cret"})
		require.NoError(t, err)
		srv := httptest.NewServer(one.Handler())
		defer srv.Close()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/phlo/P1", nil)
		require.NoError(t, err)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()

		defer func() { // back to the first fake's dashboard, whatever happened
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(ui)))
			waitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`)
		}()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/mock/ui")))
		waitFor(t, ctx, `!document.getElementById('token-form').hidden`)
		assert.Equal(t, "Waiting for the admin token", text(t, ctx, "#live"))
		assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#journal-list > li').length`), "no data without the token")
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#token`), "s3cret"),
			chromedp.Click(chromedp.CSS(`#token-form button[type=submit]`))))
		if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.documentElement.dataset.ready === 'true'`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("the page with the token: %v; it says %q (error %q)", err, text(t, ctx, "#live"), eval[string](t, ctx, `document.documentElement.dataset.error || ''`))
		}
		assert.Contains(t, text(t, ctx, `#journal-list li[data-seq="1"] summary`), "getPhlo")
		assert.True(t, eval[bool](t, ctx, `location.pathname === '/mock/ui/'`), "the redirect kept the prefix")
		assert.Len(t, one.Journal().Entries(mockserver.Filter{}), 1, "the page sent nothing to the API (no /favicon.ico)")
	})

	t.Run("render 1000 entries", func(t *testing.T) {
		// Paused, the page does not poll while the journal fills.
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#pause`))))
		fill := time.Now()
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < 1000; i += 8 {
					send(t, srv, "GET", fmt.Sprintf("/v1/phlo/P%d", i), "")
				}
			})
		}
		wg.Wait()
		t.Logf("1000 requests sent in %s", time.Since(fill).Round(time.Millisecond))
		start := time.Now()
		require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
		waitFor(t, ctx, `document.documentElement.dataset.ready === 'true' && document.querySelectorAll('#journal-list > li').length === 1000`)
		wall := time.Since(start)
		build := eval[string](t, ctx, `document.documentElement.dataset.buildMs`)
		ms := eval[string](t, ctx, `document.documentElement.dataset.renderMs`)
		t.Logf("1000 journal entries: rows built in %s ms, built and laid out in %s ms; reload to 1000 rows %s", build, ms, wall.Round(time.Millisecond))
		screenshot(t, ctx, dir, "6-full-journal.png", "")
	})
}

// contrastJS lists the visible text elements whose colour has a contrast
// ratio under 4.5 with the first opaque background behind them.
const contrastJS = `(() => {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent && el.tagName !== 'BODY') continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2) + ': ' + el.textContent.trim().slice(0, 40));
  }
  return out;
})()`

// TestDashboardSessionPicker: the page shows one session at a time, picked
// from the live ones: the default session's journal without one, the
// session's own with it.
func TestDashboardSessionPicker(t *testing.T) {
	ctx := browser(t)
	fake := faketest.NewServer(t, fake.Config{})
	s := fake.Session(t, "bad-role")
	require.Equal(t, 201, send(t, fake, "POST", "/v1/phlo/"+flowPhlo+"/multi_party_call/"+flowNode, `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`))
	require.Equal(t, 400, send(t, s, "POST", "/v1/phlo/"+flowPhlo+"/multi_party_call/"+flowNode, `{"action":"call","to":"+14152223333","role":"agent","trigger_source":"+14152225555"}`))
	require.Equal(t, 200, send(t, s, "GET", "/v1/phlo/"+flowPhlo, ""))

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(fake.AdminURL+"/__admin/ui/")))
	waitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`)
	assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#journal-list > li').length`), "the default session's one exchange")
	assert.Equal(t, []string{"", s.SessionID}, eval[[]string](t, ctx, `[...document.querySelectorAll('#session-picker option')].map(o => o.value)`))

	// The change navigates: asked after a tick, so this evaluation returns.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`setTimeout(() => {const p = document.querySelector('#session-picker'); p.value = `+strconv.Quote(s.SessionID)+`; p.dispatchEvent(new Event('change'));})`)))
	require.Eventually(t, func() bool { // across the navigation: errors until the new page is there
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search === '?session=`+s.SessionID+`' && document.documentElement.dataset.ready === 'true'`))
		return err == nil && ok
	}, 30*time.Second, 50*time.Millisecond, "the page on the picked session")
	waitFor(t, ctx, `document.querySelectorAll('#journal-list > li').length === 2`)
	assert.Equal(t, []string{"bad-role"}, strings.Split(text(t, ctx, "#active-names"), ", "), "the session's scenarios")
	assert.Equal(t, s.SessionID, eval[string](t, ctx, `document.querySelector('#session-picker').value`))
}
