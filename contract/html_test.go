package contract_test

import (
	"bytes"
	"context"
	"html"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/openapi"
)

// failingRun runs the generated suite against a fake that answers 500 to
// everything, so that cases fail, without --live or ids, so that cases are
// skipped.
func failingRun(t *testing.T) (*contract.Report, *faketest.Server) {
	t.Helper()
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(t, err)
	fake := faketest.NewServer(t, fake.Config{}, "server-error")
	r := &contract.Runner{Spec: spec, Target: contract.Target{BaseURL: fake.URL, AuthID: fake.AuthID, AuthToken: fake.AuthToken}}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(t, err)
	return rep, fake
}

var curlBlock = regexp.MustCompile(`(?s)<pre class="curl">(.*?)</pre>`)

func TestWriteHTML(t *testing.T) {
	rep, fake := failingRun(t)
	n, passed, failed, skipped := rep.Counts()
	require.Positive(t, failed)
	require.Positive(t, skipped)

	var b bytes.Buffer
	require.NoError(t, contract.WriteHTML(&b, rep, contract.HTMLOptions{Subject: "the fake", ReplayBase: fake.URL}))
	page := b.String()
	text := html.UnescapeString(page)
	assert.True(t, strings.HasPrefix(page, "<!doctype html>"))
	assert.NotContains(t, page, "<script", "no script")
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, page, "nothing from elsewhere")
	assert.NotContains(t, text, fake.AuthToken, "credentials are never written")
	assert.Contains(t, text, contract.Summary(rep))
	for label, want := range map[string]int{"cases": n, "passed": passed, "failed": failed, "skipped": skipped} {
		assert.Contains(t, page, `data-count="`+label+`">`+strconv.Itoa(want)+`<`, label)
	}
	for _, res := range rep.Results {
		switch {
		case res.Skipped != "":
			assert.Contains(t, text, "<code>"+res.Case.ID+"</code></td><td>"+res.Skipped+"</td>", "skipped with its reason")
		case !res.Passed():
			assert.Contains(t, text, `id="case-`+res.Case.ID+`"`)
			for _, v := range res.Violations {
				assert.Contains(t, text, "<code>"+string(v.Code)+"</code>", res.Case.ID)
			}
		}
	}
	assert.Regexp(t, `<pre class="received">500 Internal Server Error\n(.+\n)*\n\{"api_id":"[-0-9a-f]+","error":"Internal server error"\}`, text, "what was received")
	assert.Regexp(t, `<pre class="sent">GET https?://\S+/v1/phlo/\S+\nAccept: application/json\n`, text, "what was sent")
	assert.Contains(t, text, `"$PHLOMOCK_AUTH_ID:$PHLOMOCK_AUTH_TOKEN"`)

	// The replay commands send the same requests again: run a few with curl.
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl to run the replay commands")
	}
	blocks := curlBlock.FindAllStringSubmatch(page, -1)
	require.Len(t, blocks, failed, "one replay command per failure")
	for _, m := range blocks[:3] {
		cmd := html.UnescapeString(m[1])
		require.True(t, strings.HasPrefix(cmd, "curl "), cmd)
		sh := exec.Command("sh", "-c", curl+cmd[len("curl"):])
		sh.Env = append(sh.Environ(), "PHLOMOCK_AUTH_ID="+fake.AuthID, "PHLOMOCK_AUTH_TOKEN="+fake.AuthToken)
		out, err := sh.CombinedOutput()
		require.NoError(t, err, "%s: %s", cmd, out)
		assert.Contains(t, string(out), "HTTP/1.1 500", "%s answered as in the run", cmd)
	}
}
