package director_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/openapi"
)

// FuzzUpload: whatever is uploaded, the control plane answers 201 (and the
// upload is active) or 400 (and nothing changed); it never panics.
func FuzzUpload(f *testing.F) {
	f.Add([]byte(uploaded))
	f.Add([]byte("version: 1\nname: x\nrules:\n  - respond: {status: 500, delay: 10 parsecs}\n"))
	f.Add([]byte("version: 1\nname: [\n"))
	f.Add([]byte(""))
	doc, err := openapi.Load()
	if err != nil {
		f.Fatal(err)
	}
	srv, err := fake.New(doc, fake.Config{})
	if err != nil {
		f.Fatal(err)
	}
	d, admin := srv.Director, srv.AdminHandler()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := d.ActivateNames("success"); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest("POST", "http://localhost/__admin/scenarios", bytes.NewReader(data)))
		switch rec.Code {
		case http.StatusCreated:
			if slices.Equal(d.Active(), []string{"success"}) && !bytes.Contains(data, []byte("success")) {
				t.Errorf("got 201 and active %v, want the upload active", d.Active())
			}
		case http.StatusBadRequest:
			if got := d.Active(); !slices.Equal(got, []string{"success"}) {
				t.Errorf("got 400 and active %v, want [success] unchanged", got)
			}
		default:
			t.Errorf("got %d %s, want 201 or 400", rec.Code, rec.Body)
		}
	})
}
