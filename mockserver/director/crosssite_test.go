package director_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
)

// TestCrossSite: a state-changing route answers only requests whose Host
// is a name the control plane is served as, whose Origin is its own (or
// listed) and whose Content-Type is the route's; a refused one changes
// nothing. Reads are refused under a foreign Host too (DNS rebinding would
// read the journal), and the open routes answer any Host (probes).
func TestCrossSite(t *testing.T) {
	site := mockserver.SiteCheck{Hosts: []string{"phlomock.testing.svc"}, Origins: []string{"https://dash.example"}}
	fake := faketest.NewServer(t, fake.Config{Options: mockserver.Options{Site: site}})
	const activate = `{"names":["server-error"]}`
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		header       []string
		want         int
		wantErr      string // a part of the error
	}{
		{"rebinding name", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "evil.example"}, 403, `Host "evil.example" is not a name this control plane is served as`},
		{"rebinding name with port", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "evil.example:8081"}, 403, "SiteCheck.Hosts"},
		{"rebinding read of the journal", "GET", "/__admin/journal", "", []string{"Host", "evil.example"}, 403, "DNS rebinding"},
		{"rebinding reset", "POST", "/__admin/reset", "", []string{"Host", "attacker.localhost.evil.example"}, 403, "DNS rebinding"},
		{"a name ending in localhost but not under it", "POST", "/__admin/reset", "", []string{"Host", "evillocalhost"}, 200, ""},
		{"listed host", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "phlomock.testing.svc:8081"}, 200, ""},
		{"listed host, other case, trailing dot", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "PHLOMOCK.testing.svc."}, 200, ""},
		{"short name", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "phlomock:8081"}, 200, ""},
		{"localhost", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "localhost:1"}, 200, ""},
		{"under localhost", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "app.localhost"}, 200, ""},
		{"IPv6 loopback", "PUT", "/__admin/scenarios/active", activate, []string{"Host", "[::1]:8081"}, 200, ""},
		{"another origin", "PUT", "/__admin/scenarios/active", activate, []string{"Origin", "http://127.0.0.1:1", "Content-Type", "application/json"}, 403, `from "http://127.0.0.1:1" refused`},
		{"another origin, same host other scheme", "PUT", "/__admin/scenarios/active", activate, []string{"Origin", "https://" + host(fake.AdminURL)}, 200, ""},
		{"null origin", "POST", "/__admin/reset", "", []string{"Origin", "null"}, 403, "SiteCheck.Origins"},
		{"own origin", "PUT", "/__admin/scenarios/active", activate, []string{"Origin", fake.AdminURL}, 200, ""},
		{"listed origin", "DELETE", "/__admin/journal", "", []string{"Origin", "https://dash.example"}, 204, ""},
		{"cross-site fetch without Origin", "DELETE", "/__admin/journal", "", []string{"Sec-Fetch-Site", "cross-site"}, 403, "SiteCheck.Origins"},
		{"same-origin fetch without Origin", "DELETE", "/__admin/journal", "", []string{"Sec-Fetch-Site", "same-origin"}, 204, ""},
		{"a GET from another origin reads nothing it may not", "GET", "/__admin/scenarios", "", []string{"Origin", "http://evil.example"}, 200, ""},
		{"text/plain", "PUT", "/__admin/scenarios/active", activate, []string{"Content-Type", "text/plain"}, 415, `Unsupported Content-Type "text/plain": PUT /__admin/scenarios/active takes application/json`},
		{"a form", "POST", "/__admin/verify", `{}`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"multipart", "POST", "/__admin/reset", "", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "POST /__admin/reset takes application/json"},
		{"upload as text/plain", "POST", "/__admin/scenarios", "version: 1\nname: evil\n", []string{"Content-Type", "text/plain"}, 415, "application/yaml"},
		{"upload as YAML", "POST", "/__admin/scenarios?activate=false", "version: 1\nname: fine\n", []string{"Content-Type", "application/yaml"}, 201, ""},
		{"JSON with a charset", "PUT", "/__admin/scenarios/active", activate, []string{"Content-Type", "application/json; charset=utf-8"}, 200, ""},
		{"a probe by any name", "GET", "/healthz", "", []string{"Host", "10-0-0-7.pod.cluster.local"}, 200, ""},
		{"the dashboard's files by any name", "GET", "/__admin/ui/", "", []string{"Host", "evil.example"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, fake.Director.ActivateNames("success"))
			seen := len(fake.Journal(mockserver.Filter{}))
			send(t, fake, "GET", "/v1/phlo/P1", nil) // a journal entry to lose
			a := do(t, fake.AdminURL, tc.method, tc.path, tc.body, tc.header...)
			require.Equal(t, tc.want, a.status, "got %d, want %d: %s", a.status, tc.want, a.raw)
			if tc.want < 400 {
				return
			}
			assert.Contains(t, a.body["error"], tc.wantErr)
			assert.Equal(t, []string{"success"}, fake.Director.Active(), "a refused request changed the active set")
			assert.Len(t, fake.Journal(mockserver.Filter{}), seen+1, "a refused request emptied the journal")
		})
	}
}

// TestCrossSiteUnderPrefix: the checks hold on the API's port too, behind
// the token (whose scheme is read in any case, as on the API port).
func TestCrossSiteUnderPrefix(t *testing.T) {
	p := newPlane(t)
	before := p.Director.Active()
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		assert.Equal(t, http.StatusOK, do(t, p.single.URL, "POST", "/mock/reset", "", "Authorization", scheme+" "+planeToken).status, scheme)
	}
	bearer := []string{"Authorization", "bearer " + planeToken}
	a := do(t, p.single.URL, "POST", "/mock/reset", "", append(bearer, "Host", "evil.example")...)
	assert.Equal(t, http.StatusForbidden, a.status, a.raw)
	a = do(t, p.single.URL, "PUT", "/mock/scenarios/active", `{"names":["bad-role"]}`, append(bearer, "Content-Type", "text/plain")...)
	assert.Equal(t, http.StatusUnsupportedMediaType, a.status, a.raw)
	assert.Equal(t, before, p.Director.Active())
}

func host(rawURL string) string {
	u, _ := url.Parse(rawURL)
	return u.Host
}
