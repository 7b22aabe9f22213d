package contract

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// The invariants: what every answer must keep, whatever case produced it.
// check calls them after the status and Content-Type checks.

// strictJSON reports the first way body is not one strict JSON value: a
// key twice in one object (decoders disagree on which one wins: Go's and
// Python's take the last, others the first), or anything but whitespace
// after the value.
func strictJSON(body []byte) (pointer string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if ptr, err := strictValue(dec, ""); err != nil {
		return ptr, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "/body", errors.New("more data after the JSON value")
	}
	return "", nil
}

func strictValue(dec *json.Decoder, at string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "/body" + at, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return "", nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "/body" + at, err
			}
			k, _ := kt.(string)
			if seen[k] {
				return "/body" + at + "/" + escapePointer(k), fmt.Errorf("key %q appears twice in one object", k)
			}
			seen[k] = true
			if ptr, err := strictValue(dec, at+"/"+escapePointer(k)); err != nil {
				return ptr, err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if ptr, err := strictValue(dec, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return ptr, err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return "/body" + at, err
}

// charsetProblem reports a JSON Content-Type parameter other than
// charset=utf-8: JSON is UTF-8 (RFC 8259), and a client that honours
// another charset decodes the body wrongly.
func charsetProblem(ct string) string {
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	for k, v := range params {
		if k != "charset" {
			return fmt.Sprintf("parameter %s=%s: JSON takes none but charset=utf-8", k, v)
		}
		if !strings.EqualFold(v, "utf-8") && !strings.EqualFold(v, "utf8") {
			return fmt.Sprintf("charset=%s: a JSON body is UTF-8", v)
		}
	}
	return ""
}

// secret is one form of the caller's credentials, named without quoting it.
type secret struct{ name, value string }

// secrets are the forms of the target's credentials an answer must never
// carry: the token, the Basic value (base64 of id:token) and the whole
// Authorization header value.
func (r *Runner) secrets() []secret {
	tok := r.Target.AuthToken
	if len(tok) < 4 {
		return nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte(r.Target.AuthID + ":" + tok))
	return []secret{{"the Auth Token", tok}, {"the Basic credentials (base64 of Auth ID:Auth Token)", basic},
		{"the Auth Token, base64-encoded", base64.StdEncoding.EncodeToString([]byte(tok))}}
}

// leak returns where in the answer a credential appears, or "".
func leak(secrets []secret, header http.Header, body []byte) (pointer, what string) {
	for _, s := range secrets {
		if bytes.Contains(body, []byte(s.value)) {
			var v any
			if json.Unmarshal(body, &v) == nil {
				if p, ok := findString(v, s.value, ""); ok {
					return "/body" + p, s.name
				}
			}
			return "/body", s.name
		}
		for k, vs := range header {
			for _, v := range vs {
				if strings.Contains(v, s.value) {
					return "/headers/" + escapePointer(k), s.name
				}
			}
		}
	}
	return "", ""
}

// findString returns the pointer of the first string in v (or key) that
// contains needle.
func findString(v any, needle, at string) (string, bool) {
	switch x := v.(type) {
	case string:
		return at, strings.Contains(x, needle)
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if strings.Contains(k, needle) {
				return at + "/" + escapePointer(k), true
			}
			if p, ok := findString(x[k], needle, at+"/"+escapePointer(k)); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range x {
			if p, ok := findString(e, needle, fmt.Sprintf("%s/%d", at, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// stateRefusal reports whether a 400's text only refuses for the state of
// the call: it calls nothing invalid, missing or unknown.
func stateRefusal(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range []string{"invalid", "not valid", "mandatory", "required", "missing", "not allowed", "unknown",
		"unsupported", "not supported", "malformed", "must be", "expects", "bad request", "not a valid", "unrecognized", "illegal"} {
		if strings.Contains(lower, w) {
			return false
		}
	}
	return strings.TrimSpace(text) != ""
}
