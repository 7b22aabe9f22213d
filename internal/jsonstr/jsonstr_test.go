package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

var samples = []string{"", "plain", `q"uote`, `back\slash`, "new\nline\r\t", "\b\f\x00\x1f\x7f", "<a href='x'>&amp;</a>",
	"é ü 中文 😀", "\u2028\u2029", "bad \xff\xfe utf-8", "\xed\xa0\x80 surrogate", "{{api_id}}", "/slash/"}

// FuzzAppend: with html, Append writes what encoding/json writes; without,
// what it writes decodes to the same string as encoding/json's.
func FuzzAppend(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := Append(nil, s, true); !bytes.Equal(got, want) {
			t.Fatalf("Append(%q, html) = %s, want %s", s, got, want)
		}
		var a, b string
		if err := json.Unmarshal(Append(nil, s, false), &a); err != nil {
			t.Fatalf("Append(%q) is not JSON: %v", s, err)
		}
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("Append(%q) decodes to %q, encoding/json's to %q", s, a, b)
		}
	})
}

func TestAppendKeepsHTMLWithoutHTML(t *testing.T) {
	if got := string(Append(nil, "<&>", false)); got != `"<&>"` {
		t.Errorf("got %s, want \"<&>\"", got)
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], "a \"quoted\" <b>\n", true) }); n != 0 {
		t.Errorf("got %v allocations, want 0", n)
	}
}
