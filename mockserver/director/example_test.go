package director_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// NewServer builds the fake with scenarios: the API, the control plane with
// every route, and the Director that holds the active scenarios.
func ExampleNewServer() {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	flaky, err := scenarios.Builtin("flaky")
	if err != nil {
		panic(err)
	}
	fake, err := director.NewServer(doc, director.Options{}, mockserver.Options{}, flaky)
	if err != nil {
		panic(err)
	}
	api, admin := fake.API, fake.Admin

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
