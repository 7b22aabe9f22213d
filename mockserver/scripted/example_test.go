package scripted_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// A Director is the fake's Responder, World and Accounts; its routes join
// the control plane.
func ExampleDirector() {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	flaky, err := scenarios.Builtin("flaky")
	if err != nil {
		panic(err)
	}
	d, err := scripted.New(scripted.Options{Operations: scripted.OperationIDs(doc)}, flaky)
	if err != nil {
		panic(err)
	}
	fake, err := mockserver.New(doc, mockserver.Options{Responder: d, World: d, Accounts: d})
	if err != nil {
		panic(err)
	}
	admin := fake.AdminHandler(d.AdminRoutes(fake.Journal())...)

	get := func() int {
		req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
		req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println(get(), get(), get())

	rec := httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest("POST", "/__admin/reset", nil))
	fmt.Println(rec.Code, get())

	rec = httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest("POST", "/__admin/verify", strings.NewReader(`{"operation":"getPhlo","status":500}`)))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 500 500 200
	// 200 500
	// 200 {"count":3}
}
