package mockserver_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A captured request from testdata/wire: what plivo-go and plivo-node sent
// to a capturing server (copied from the project's shared reference).
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
			body, err := strconv.Unquote(strings.TrimPrefix(line, "   body: "))
			require.NoErrorf(tb, err, "%s:%d", path, n)
			cur.body = body
		}
	}
	require.NoError(tb, sc.Err())
	return out
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
}

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
				req := httptest.NewRequest(c.method, c.path, body)
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
	assert.Equal(t, 29, total, "requests in the captures")
}
