package mockserver

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// TestRouterAgreesWithLegacy holds the fake's router to kin-openapi's
// legacy router, which it replaces: same operation, same parameters.
func TestRouterAgreesWithLegacy(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	s, err := New(doc, Options{})
	require.NoError(t, err)
	local := *doc
	local.Servers = nil
	legacyRouter, err := legacy.NewRouter(&local)
	require.NoError(t, err)
	paths := []string{
		"/v1/phlo/P1", "/v1/phlo/P1/", "/v1/phlo/P1//", "/v1/phlo/", "/v1/phlo", "/v1/phlo//",
		"/v1/phlo/P1/multi_party_call/N1", "/v1/phlo/P1/multi_party_call/", "/v1/phlo/P1/multi_party_call",
		"/v1/phlo/P1/multi_party_call/N1/members/+14152225555", "/v1/phlo/P1/multi_party_call/N1/members/sip:a@b.c",
		"/v1/phlo/P1/multi_party_call/N1/members/", "/v1/phlo/P1/multi_party_call/N1/members",
		"/v1/account/MA1/phlo/P1", "/v1/account//phlo/P1", "/v1/account/MA1/phlo/",
		"/v1/phloX/P1", "/v1/phlo/P1/x", "/v2/phlo/P1", "/", "", "v1/phlo/P1", "//v1/phlo/P1",
		"/v1/phlo/P 1", "/v1/phlo/%2F", "/v1/phlo/../P1",
	}
	for _, path := range paths {
		for _, m := range append(methods, "post", "BREW") {
			want, wantParams, err := legacyRouter.FindRoute(&http.Request{Method: m, URL: &url.URL{Path: path}})
			got, gotParams := s.router.find(m, path)
			if err != nil {
				assert.Nil(t, got, "%s %q: legacy finds nothing, got %v", m, path, got)
				continue
			}
			if assert.NotNil(t, got, "%s %q: legacy finds %s, got nothing", m, path, want.Operation.OperationID) {
				assert.Equal(t, want.Operation.OperationID, got.id, "%s %q", m, path)
				assert.Equal(t, wantParams, gotParams, "%s %q", m, path)
			}
		}
	}
}
