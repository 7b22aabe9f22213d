package proxy_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/proxy"
)

func TestDiff(t *testing.T) {
	const json = "application/json"
	ok := func(body string) proxy.Answer {
		return proxy.Answer{Status: 200, ContentType: json, Body: []byte(body)}
	}
	cases := []struct {
		name       string
		real, fake proxy.Answer
		want       []proxy.Difference
	}{
		{"two api_ids are both UUIDs", ok(`{"api_id":"6a0b2c4e-1d3f-4a5b-8c7d-9e0f1a2b3c4d"}`), ok(`{"api_id":"` + uuid() + `"}`), nil},
		{"created_on in two formats is a datetime", ok(`{"created_on":"2020-08-01 09:05:11.846982+00:00"}`), ok(`{"created_on":"2020-08-01T09:05:11Z"}`), nil},
		{"status", proxy.Answer{Status: 200, ContentType: json, Body: []byte(`{}`)}, proxy.Answer{Status: 201, ContentType: json, Body: []byte(`{}`)},
			[]proxy.Difference{{Kind: proxy.KindStatus, Pointer: "/status", Real: "200", Fake: "201"}}},
		{"a success and an error: status only", proxy.Answer{Status: 404, ContentType: json, Body: []byte(`{"error":"x"}`)}, ok(`{"name":"y"}`),
			[]proxy.Difference{{Kind: proxy.KindStatus, Pointer: "/status", Real: "404", Fake: "200"}}},
		{"content type parameters do not count", proxy.Answer{Status: 200, ContentType: "application/json; charset=utf-8", Body: []byte(`{}`)}, ok(`{}`), nil},
		{"content type", proxy.Answer{Status: 200, ContentType: "text/html", Body: []byte(`<p>`)}, ok(`{}`),
			[]proxy.Difference{
				{Kind: proxy.KindContentType, Pointer: "/headers/Content-Type", Real: "text/html", Fake: json},
				{Kind: proxy.KindBody, Pointer: "/body", Real: "not JSON", Fake: "JSON"},
			}},
		{"added, removed, type, class", ok(`{"a":"x","b":1,"id":"text","n":{"deep":true}}`), ok(`{"b":"1","c":"y","id":"` + uuid() + `","n":{"deep":false}}`),
			[]proxy.Difference{
				{Kind: proxy.KindFieldAdded, Pointer: "/body/a", Real: "text"},
				{Kind: proxy.KindFieldRemoved, Pointer: "/body/c", Fake: "text"},
				{Kind: proxy.KindFieldType, Pointer: "/body/b", Real: "number", Fake: "string"},
				{Kind: proxy.KindValueClass, Pointer: "/body/id", Real: "text", Fake: "uuid"},
			}},
		{"error text", proxy.Answer{Status: 400, ContentType: json, Body: []byte(`{"error":"bad"}`)}, proxy.Answer{Status: 400, ContentType: json, Body: []byte(`{"error":"Bad."}`)},
			[]proxy.Difference{{Kind: proxy.KindErrorText, Pointer: "/body/error", Real: "bad", Fake: "Bad."}}},
		{"node_type by value", ok(`{"node_type":"conference_bridge"}`), ok(`{"node_type":"multi_party_call"}`),
			[]proxy.Difference{{Kind: proxy.KindValue, Pointer: "/body/node_type", Real: "conference_bridge", Fake: "multi_party_call"}}},
		{"arrays element by element", ok(`{"l":["+14152223333","x"]}`), ok(`{"l":["sip:a@b.c"]}`),
			[]proxy.Difference{
				{Kind: proxy.KindFieldAdded, Pointer: "/body/l/1", Real: "text"},
				{Kind: proxy.KindValueClass, Pointer: "/body/l/0", Real: "phone", Fake: "sip"},
			}},
		{"an empty body", proxy.Answer{Status: 200}, ok(`{}`),
			[]proxy.Difference{
				{Kind: proxy.KindContentType, Pointer: "/headers/Content-Type", Real: "none", Fake: json},
				{Kind: proxy.KindBody, Pointer: "/body", Real: "empty", Fake: "JSON"},
			}},
		{"a key with a slash is escaped", ok(`{"a/b":1}`), ok(`{}`), []proxy.Difference{{Kind: proxy.KindFieldAdded, Pointer: "/body/a~1b", Real: "number"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, proxy.Diff(tc.real, tc.fake))
		})
	}
}

func TestClass(t *testing.T) {
	for in, want := range map[string]string{
		"":                                     proxy.ClassEmpty,
		"6a0b2c4e-1d3f-4a5b-8c7d-9e0f1a2b3c4d": proxy.ClassUUID,
		"+14152223333":                         proxy.ClassPhone,
		"sip:alice123@phone.plivo.com":         proxy.ClassSIP,
		"2020-08-01 09:05:11.846982+00:00":     proxy.ClassDateTime,
		"2020-08-01T09:05:11Z":                 proxy.ClassDateTime,
		"https://phlorunner.plivo.com":         proxy.ClassURL,
		"Support line":                         proxy.ClassText,
		"14152223333":                          proxy.ClassText,
	} {
		assert.Equal(t, want, proxy.Class(in), "Class(%q)", in)
	}
}

// Class's hand-written UUID test and its gates before each pattern give
// the classes the patterns alone give.
func TestClassAgreesWithPatterns(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	for s, want := range map[string]string{
		"":                                        proxy.ClassEmpty,
		"8c77b816-d621-4028-afc8-1aeab1d497a8":    proxy.ClassUUID,
		"8C77B816-D621-4028-AFC8-1AEAB1D497A8":    proxy.ClassUUID,
		"8c77b816-d621-4028-afc8-1aeab1d497a":     proxy.ClassText,
		"8c77b816-d621-4028-afc8-1aeab1d497a8x":   proxy.ClassText,
		"8c77b816xd621-4028-afc8-1aeab1d497a8":    proxy.ClassText,
		"8c77b816-d621-4028-afc8-1aeab1d497ag":    proxy.ClassText,
		"+14152225555":                            proxy.ClassPhone,
		"+0415":                                   proxy.ClassText,
		"sip:alice123@phone.plivo.com":            proxy.ClassSIP,
		"sip:alice":                               proxy.ClassText,
		"2020-08-01 09:05:11.846982+00:00":        proxy.ClassDateTime,
		"2020-08-01T09:05:11Z":                    proxy.ClassDateTime,
		"2020-08-01":                              proxy.ClassText,
		"https://api.plivo.com/v1/":               proxy.ClassURL,
		"http://x":                                proxy.ClassURL,
		"ftp://x":                                 proxy.ClassText,
		"PHLO not found":                          proxy.ClassText,
		"12345678-1234-1234-1234-123456789012 ok": proxy.ClassText,
	} {
		assert.Equal(t, want, proxy.Class(s), "%q", s)
		assert.Equal(t, uuid.MatchString(s), proxy.Class(s) == proxy.ClassUUID, "%q", s)
	}
}
