package director_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The director inside the fake: fake.New activates flaky, and the
// control plane's routes (reset, verify) are the director's.
func Example() {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	flaky, err := scenarios.Builtin("flaky")
	if err != nil {
		panic(err)
	}
	srv, err := fake.New(doc, fake.Config{Active: []*scenarios.Scenario{flaky}})
	if err != nil {
		panic(err)
	}
	api, admin := srv.API, srv.AdminHandler()

	get := func() int {
		req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(get(), get(), get())

	rec := httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest("POST", "http://localhost/__admin/reset", nil))
	fmt.Println(rec.Code, get())

	rec = httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest("POST", "http://localhost/__admin/verify", strings.NewReader(`{"operation":"getPhlo","status":500}`)))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 500 500 200
	// 200 500
	// 200 {"count":3}
}
