package mockserver_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A captured request from testdata/wire: what plivo-go, plivo-node and
// plivo-python sent
// to a capturing server (copied from the project's shared reference).
// plivo-python's is the only run of that SDK here (PyPI is out of reach):
// replaying what it sent stands in for the README's plivo-python snippet.
type captured struct {
	file, line   string
	method, path string
	header       http.Header
	body         string
}

// readCaptures parses the capture format: ">> METHOD PATH [rawpath=...]",
// then "   headers: K=V; K=V" and "   body: <Go-quoted string>".
func readCaptures(tb testing.TB, path string) []*captured {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	var out []*captured
	var cur *captured
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ">> "):
			fields := strings.Fields(line[3:])
			cur = &captured{file: filepath.Base(path), line: strconv.Itoa(n), method: fields[0], path: fields[1], header: http.Header{}}
			out = append(out, cur)
		case cur != nil && strings.HasPrefix(line, "   headers: "):
			for _, kv := range strings.Split(strings.TrimPrefix(line, "   headers: "), "; ") {
				k, v, _ := strings.Cut(kv, "=")
				cur.header.Add(k, v)
			}
		case cur != nil && strings.HasPrefix(line, "   body: "):
			body, err := unquoteBody(strings.TrimPrefix(line, "   body: "))
			require.NoErrorf(tb, err, "%s:%d", path, n)
			cur.body = body
		}
	}
	require.NoError(tb, sc.Err())
	return out
}

// unquoteBody reads a captured body: Go-quoted (plivo-go's and
// plivo-node's captures) or a Python str's repr (plivo-python's:
// '{"action": "hold"}'), whose only escapes in a JSON text are \\ and \'.
func unquoteBody(q string) (string, error) {
	if len(q) < 2 || q[0] != '\'' || q[len(q)-1] != '\'' {
		return strconv.Unquote(q)
	}
	var b strings.Builder
	in := q[1 : len(q)-1]
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c == '\\' {
			if i+1 == len(in) || in[i+1] != '\\' && in[i+1] != '\'' {
				return "", fmt.Errorf("python repr %s: escape not read here", q)
			}
			i++
			c = in[i]
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// captureAccount is the account the SDKs were given when captured.
const captureID, captureToken = "MAXXXXXXXXXXXXXXXXXX", "tok"

// refusedOnPurpose lists captured requests the contract refuses: the
// capturing server scripted an error for them and the SDK was called with
// arguments that break the contract.
var refusedOnPurpose = map[string]struct {
	status int
	error  string
}{
	// plivo-node coldTransfer without `to`: the capture tested how the SDK
	// surfaces a 400; `to` is required by ColdTransferCaller.
	"plivo-node-4.78.0.txt:40": {400, "to is a mandatory param."},
	// plivo-python's phlo.member() helper defaults the node type to
	// conference_bridge, and the capture held a member through it: the
	// conference bridge's member actions are mute, unmute and hangup
	// (docs/contract.md), so the contract refuses hold there.
	"plivo-python-4.59.5.txt:37": {400, "Invalid value provided for action. Allowed values are 'mute', 'unmute' and 'hangup'."},
}

// placeholderMember is the member the capture harness named "m": a client
// passes on the address it is given, and the contract wants a phone number
// or a SIP endpoint there (as for to), so the replay names a phone number.
var placeholderMember = regexp.MustCompile(`/members/m(/?)$`)

func TestReplayCaptures(t *testing.T) {
	files, err := filepath.Glob("testdata/wire/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	s := newServer(t, mockserver.Options{Store: mockserver.State{Accounts: mockserver.StaticAccounts{captureID: captureToken}}})
	total := 0
	for _, file := range files {
		for _, c := range readCaptures(t, file) {
			total++
			name := c.file + ":" + c.line
			t.Run(name+" "+c.method+" "+c.path, func(t *testing.T) {
				var body io.Reader
				if c.body != "" {
					body = strings.NewReader(c.body)
				}
				req := httptest.NewRequest(c.method, placeholderMember.ReplaceAllString(c.path, "/members/+14152223333$1"), body)
				for k, vs := range c.header {
					if strings.EqualFold(k, "content-length") || strings.EqualFold(k, "host") {
						continue
					}
					req.Header[http.CanonicalHeaderKey(k)] = vs
				}
				if req.Header.Get("Authorization") == "" {
					// One capture line lost its headers; every SDK call sent these.
					req.SetBasicAuth(captureID, captureToken)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if want, ok := refusedOnPurpose[name]; ok {
					assert.Equal(t, want.status, rec.Code)
					assert.Contains(t, rec.Body.String(), want.error)
					return
				}
				assert.Truef(t, rec.Code/100 == 2, "got %d %s, want 2xx", rec.Code, rec.Body)
				e := s.Journal().Entries(mockserver.Filter{Limit: 1})[0]
				assert.Equal(t, c.body, e.Body, "journal keeps the raw body")
				assert.True(t, e.Valid)
			})
		}
	}
	assert.Equal(t, 47, total, "requests in the captures")
}
