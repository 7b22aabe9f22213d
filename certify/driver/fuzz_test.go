package driver

import (
	"errors"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary driver output to the decoders: they must
// never panic, and whatever they accept must satisfy the protocol.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"hello","protocol":1,"client":"c","version":"1","operations":["hold"]}`))
	f.Add([]byte(`{"type":"result","id":"c1","outcome":"error","error":{"status":400,"message":"m","api_id":"a"}}`))
	f.Add([]byte(`{"type":"result","id":"c1","outcome":"success","fields":{"api_id":"a"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		if h, err := decodeHello(line); err == nil {
			if h.Type != TypeHello || h.Protocol < MinProtocolVersion || h.Protocol > ProtocolVersion {
				t.Errorf("accepted hello %+v", h)
			}
		} else if !errors.Is(err, ErrProtocol) {
			t.Errorf("got %v, want an ErrProtocol", err)
		}
		if r, err := decodeResult(line, "c1"); err == nil {
			if r.Type != TypeResult || r.ID != "c1" || !r.Outcome.valid() || (r.Outcome == OutcomeError && r.Error == nil) {
				t.Errorf("accepted result %+v", r)
			}
		} else if !errors.Is(err, ErrProtocol) {
			t.Errorf("got %v, want an ErrProtocol", err)
		}
	})
}

// FuzzSplitCommand checks that SplitCommand never panics and that quoting
// the words it returns and splitting again gives the same words.
func FuzzSplitCommand(f *testing.F) {
	f.Add(`node driver.js`)
	f.Add(`'/a b/drv' "x \"y\"" z\ w`)
	f.Fuzz(func(t *testing.T, line string) {
		words, err := SplitCommand(line)
		if err != nil {
			if !errors.Is(err, ErrCommand) {
				t.Errorf("got %v, want an ErrCommand", err)
			}
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		again, err := SplitCommand(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("quoted words %q: %v", quoted, err)
		}
		if strings.Join(again, "\x00") != strings.Join(words, "\x00") || len(again) != len(words) {
			t.Errorf("got %q after quoting, want %q", again, words)
		}
	})
}
