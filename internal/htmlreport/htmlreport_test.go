package htmlreport_test

import (
	"bytes"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/htmlreport"
)

func TestCurl(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic x"}, "Content-Length": {"9"}, "X-Note": {"it's"}}
	tests := []struct {
		name, method, body, user, want string
	}{
		{"get", "GET", "", "", `curl -sS -i -H 'Content-Type: application/json' -H 'X-Note: it'\''s' 'http://h/v1/p'`},
		{"post with credentials", "POST", `{"a":"'"}`, `"$ID:$TOKEN"`, `curl -sS -i -X POST -u "$ID:$TOKEN" -H 'Content-Type: application/json' -H 'X-Note: it'\''s' --data-binary '{"a":"'\''"}' 'http://h/v1/p'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, htmlreport.Curl(tt.method, "http://h/v1/p", h, tt.body, tt.user))
		})
	}
	// The quoting survives a real shell.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, s := range []string{"plain", "it's", `"$HOME" \n`, "a'b'c"} {
		out, err := exec.Command(sh, "-c", "printf %s "+htmlreport.Quote(s)).Output()
		require.NoError(t, err)
		assert.Equal(t, s, string(out))
	}
}

func TestWriteEscapes(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, htmlreport.Write(&b, &htmlreport.Page{
		Title: "t", Verdict: "v",
		Failures: []htmlreport.Failure{{ID: "c/1", Problems: []htmlreport.Problem{{Code: "x", Message: "<script>alert(1)</script>"}},
			Exchanges: []htmlreport.Exchange{{Sent: "GET /<b>", Received: "200 OK\n\n<html>"}}}},
	}))
	page := b.String()
	assert.NotContains(t, page, "<script>alert")
	assert.NotContains(t, page, "<b>")
	assert.True(t, strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"))
}
