package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// A spec that claims phlo_id is a UUID while the fake echoes the id it was
// asked for: --validate-responses must catch the answer to /v1/phlo/P1,
// which kin-openapi lets through unless it is given a uuid validator (the
// shipped spec claims no such format; see openapi/phlorunner.overlay.yaml).
func TestValidateResponsesChecksFormats(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	doc.Paths.Find("/v1/phlo/{phlo_id}").Get.Responses.Status(200).Value.
		Content.Get("application/json").Schema.Value.Properties["phlo_id"].Value.Format = "uuid"
	s, err := mockserver.New(doc, mockserver.Options{ValidateResponses: true})
	require.NoError(t, err)
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	rec := get("/v1/phlo/P1")
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "body %s", rec.Body)
	assert.Contains(t, rec.Body.String(), "phlo_id", "the 500 names the field")
	assert.Contains(t, rec.Body.String(), "uuid", "the 500 names the format")

	rec = get("/v1/phlo/e564a9c0-6f8d-4d8e-a0e0-2fd3c8f5b6a1")
	assert.Equal(t, http.StatusOK, rec.Code, "body %s", rec.Body)
}
