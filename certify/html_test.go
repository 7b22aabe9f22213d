package certify_test

import (
	"bytes"
	"context"
	"html"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// helperRun certifies the helper driver with fault on cases.
func helperRun(t *testing.T, fault, cases string) *certify.Report {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	cs, err := certify.Select(certify.Cases(), cases)
	require.NoError(t, err)
	r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
		Driver: driver.Options{Env: append(os.Environ(), helperEnv+"="+fault, "PHLOMOCK_CERTIFY_HELPER=1")}}
	rep, err := r.Run(context.Background(), cs)
	require.NoError(t, err)
	return rep
}

var (
	curlBlock  = regexp.MustCompile(`(?s)<pre class="curl">(.*?)</pre>`)
	setupBlock = regexp.MustCompile(`(?s)<pre class="setup">cat &gt; (\S+) &lt;&lt;&#39;EOF&#39;\n(.*?)EOF\n`)
)

func TestWriteHTML(t *testing.T) {
	// A client that reports success whatever the fake answers fails the
	// error cases; one that does not offer hold has it skipped.
	rep := helperRun(t, "always-succeed", "getPhlo/ok,hold/server-error,hold/rate-limited,hold/not-json")
	skipped := helperRun(t, "unsupported-hold", "hold/ok,getMultiPartyCall/ok")
	rep.Results = append(rep.Results, skipped.Results...)
	n, passed, failed, skip := rep.Counts()
	require.Equal(t, []int{6, 1, 3, 2}, []int{n, passed, failed, skip})

	var b bytes.Buffer
	require.NoError(t, certify.WriteHTML(&b, rep))
	page := b.String()
	text := html.UnescapeString(page)
	assert.NotContains(t, page, "<script")
	assert.Contains(t, page, `<span class="verdict fail" id="verdict">NOT certified</span>`)
	for label, want := range map[string]int{"cases": n, "passed": passed, "failed": failed, "skipped": skip} {
		assert.Contains(t, page, `data-count="`+label+`">`+strconv.Itoa(want)+`<`, label)
	}
	for _, res := range rep.Results {
		switch res.Verdict {
		case certify.VerdictSkipped:
			assert.Contains(t, text, "<code>"+res.Case.ID+"</code></td><td>"+res.Skipped+"</td>")
		case certify.VerdictFail:
			assert.Contains(t, text, `id="case-`+res.Case.ID+`"`)
			for _, f := range res.Findings {
				assert.Contains(t, text, "<code>"+string(f.Code)+"</code></td><td><code>-</code></td><td>"+f.Message, res.Case.ID)
			}
		}
	}
	// the values each case was given (drawn with the run's seed)
	sentOne := false
	for _, res := range rep.Results {
		p := res.Case.Params
		if res.Verdict == certify.VerdictFail && p.MemberAddress != "" &&
			strings.Contains(text, "<pre class=\"sent\">POST /v1/phlo/"+p.PhloID+"/multi_party_call/"+p.NodeID+"/members/"+p.MemberAddress) {
			sentOne = true
		}
	}
	assert.True(t, sentOne, "no failing member action shows its request as sent")
	assert.Contains(t, text, "Authorization: Basic MAPHLOMOCKDEFAULT001:[redacted]", "as journaled")
	assert.Contains(t, text, "<pre class=\"received\">502 Bad Gateway\n\n<html><body><h1>502 Bad Gateway</h1></body></html>")

	// Each failure's scenario, served, answers its replay commands as the
	// run's fake did.
	setups := setupBlock.FindAllStringSubmatch(page, -1)
	curls := curlBlock.FindAllStringSubmatch(page, -1)
	require.Len(t, setups, failed)
	require.Len(t, curls, failed)
	curl, err := exec.LookPath("curl")
	for i, m := range setups {
		file, yaml := m[1], html.UnescapeString(m[2])
		sc, err := scenarios.Parse(file, []byte(yaml))
		require.NoError(t, err, "%s:\n%s", file, yaml)
		if curl == "" {
			continue
		}
		fake := faketest.NewServer(t, fake.Config{Active: []*scenarios.Scenario{sc}})
		want := rep.Results[1+i].Journal
		for j, cmd := range strings.Split(html.UnescapeString(curls[i][1]), "\n") {
			cmd = strings.Replace(cmd, certify.ReplayBase, fake.URL, 1)
			out, err := exec.Command("sh", "-c", curl+strings.TrimPrefix(cmd, "curl")).CombinedOutput()
			require.NoError(t, err, "%s: %s", cmd, out)
			assert.Contains(t, string(out), "HTTP/1.1 "+strconv.Itoa(want[j].Status), "%s answers as in the run", cmd)
		}
	}
	if err != nil {
		t.Log("no curl: the replay commands were not run")
	}
}

// TestScenarioYAML: every case's "Start the fake" recipe, the dropped,
// held and slow ones included, passes `phlomock scenarios check` (Check and
// CheckRules against the contract) and starts a fake, as `phlomock serve
// --scenario FILE` loads it.
func TestScenarioYAML(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	ops, known := director.Operations(spec), director.OperationIDs(spec)
	troubles := map[string]bool{}
	for _, c := range certify.Cases() {
		src, err := certify.ScenarioYAML(c)
		require.NoError(t, err, c.ID)
		file := strings.ReplaceAll(c.ID, "/", "-") + ".yaml"
		sc, err := scenarios.CheckFile(file, []byte(src), known, ops)
		require.NoError(t, err, "%s:\n%s", c.ID, src)
		f, err := fake.New(spec, fake.Config{Scenarios: []string{file}, ReadFile: func(string) ([]byte, error) { return []byte(src), nil }})
		require.NoError(t, err, "%s:\n%s", c.ID, src)
		require.NoError(t, f.Close(context.Background()))
		if c.Trouble == nil {
			assert.Empty(t, sc.Rules, c.ID)
			continue
		}
		troubles[c.Trouble.Name] = true
		require.Len(t, sc.Rules, 1, c.ID)
		r := sc.Rules[0].Respond
		switch {
		case c.Trouble.Drop || c.Trouble.Hold:
			assert.True(t, r.Drop, "%s drops the connection", c.ID)
		case c.Trouble.Slow:
			assert.Equal(t, certify.SlowDelay, r.Delay.Min, c.ID)
		default:
			assert.Equal(t, c.Trouble.Status, r.Status, c.ID)
		}
	}
	for _, name := range []string{"no-answer", "dropped", "slow", "empty-body", "not-json", "rate-limited"} {
		assert.True(t, troubles[name], "a case with trouble %s was checked", name)
	}
}
