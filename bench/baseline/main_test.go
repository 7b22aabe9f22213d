package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHandler(t *testing.T) {
	const seed = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	tests := []struct {
		name       string
		user, pass string
		noAuth     bool
		body       string
		wantStatus int
	}{
		{name: "seed cold transfer", user: authID, pass: authToken, body: seed, wantStatus: http.StatusCreated},
		{name: "customer role", user: authID, pass: authToken, body: `{"role":"customer"}`, wantStatus: http.StatusCreated},
		{name: "no auth", noAuth: true, body: seed, wantStatus: http.StatusUnauthorized},
		{name: "wrong token", user: authID, pass: "nope", body: seed, wantStatus: http.StatusUnauthorized},
		{name: "bad JSON", user: authID, pass: authToken, body: `{"role":`, wantStatus: http.StatusBadRequest},
		{name: "bad role", user: authID, pass: authToken, body: `{"role":"boss"}`, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(tt.body))
			if !tt.noAuth {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			rec := httptest.NewRecorder()
			handler().ServeHTTP(rec, req)
			assert.Equal(t, tt.wantStatus, rec.Code, "got status %d, want %d", rec.Code, tt.wantStatus)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Body.String(), `"api_id":`)
		})
	}
}
