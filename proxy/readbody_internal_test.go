package proxy

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// readBody gives the body exactly, whatever Content-Length announced, and
// says when it went past the limit.
func TestReadBody(t *testing.T) {
	const body = `{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`
	for _, tc := range []struct {
		name      string
		announced int64 // -1: unknown (chunked)
		limit     int64
		want      string
		whole     bool
	}{
		{"as announced", int64(len(body)), 1 << 20, body, true},
		{"unknown length", -1, 1 << 20, body, true},
		{"more than announced", 10, 1 << 20, body, true},
		{"over the limit", int64(len(body)), 20, body[:21], false},
		{"over the limit, unknown length", -1, 20, body[:21], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(body)))
			r.ContentLength = tc.announced
			raw, whole, err := readBody(r, tc.limit)
			assert.NoError(t, err)
			assert.Equal(t, tc.want, string(raw))
			assert.Equal(t, tc.whole, whole)
		})
	}
	r := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(body[:10])))
	r.ContentLength = int64(len(body))
	_, _, err := readBody(r, 1<<20)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a body shorter than announced: the application left")
}
