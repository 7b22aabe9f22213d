package scenarios

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAppendEscapedAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "<a&b>", "tab\there\nnl\r\x00\x1f\b\f", "é ü 日本", "bad \xff utf8", "line\u2028sep\u2029"} {
		want, _ := json.Marshal(s)
		got := append([]byte{'"'}, appendEscaped(nil, s)...)
		got = append(got, '"')
		assert.Equal(t, string(want), string(got), "%q", s)
	}
}
