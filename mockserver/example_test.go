package mockserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

func ExampleNew() {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	fake, err := mockserver.New(doc, mockserver.Options{})
	if err != nil {
		panic(err)
	}

	req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1", strings.NewReader(`{"action":"call","to":"+14152225555","role":"boss"}`))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, req)

	fmt.Println(rec.Code)
	for _, v := range fake.Journal().Entries(mockserver.Filter{})[0].Violations {
		fmt.Println(v.Code, v.Field, "|", v.Message)
	}
	// Output:
	// 400
	// invalid-value role | Invalid value provided for role. Allowed values are 'customer' and 'agent'.
	// missing trigger_source | trigger_source is a mandatory param.
}

// A Responder answers instead of the spec: here, a member that is not in
// the call. A State that never changes is the Store.
func ExampleResponder() {
	doc, _ := openapi.Load()
	fake, _ := mockserver.New(doc, mockserver.Options{Store: mockserver.State{
		Responder: mockserver.ResponderFunc(func(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
			if ex.OperationID == "updateMember" && ex.PathParams["member_address"] == "+19999999999" {
				return &mockserver.Answer{Status: http.StatusBadRequest, Body: []byte(`{"api_id":"5a4b1ec2-0000-4000-8000-000000000000","error":"member not found in the call"}`)}, true
			}
			return nil, false
		}),
	}})
	req := httptest.NewRequest("POST", "/v1/phlo/P1/multi_party_call/N1/members/+19999999999", strings.NewReader(`{"action":"hangup"}`))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// 400 {"api_id":"5a4b1ec2-0000-4000-8000-000000000000","error":"member not found in the call"}
}

// The control plane takes extra routes: scenario activation, call inspection.
func ExampleServer_AdminHandler() {
	doc, _ := openapi.Load()
	fake, _ := mockserver.New(doc, mockserver.Options{})
	admin := fake.AdminHandler(mockserver.AdminRoute{
		Name: "hello", Method: "GET", Path: "/hello/{name}",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mockserver.WriteJSON(w, http.StatusOK, map[string]string{"hello": r.PathValue("name")})
		}),
	})
	for _, path := range []string{"/__admin/hello/world", "/healthz"} {
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost"+path, nil))
		fmt.Print(rec.Code, " ", rec.Body)
	}
	rec := httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest("POST", "http://localhost/__admin/hello/world", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"))
	// Output:
	// 200 {"hello":"world"}
	// 200 {"status":"ok"}
	// 405 GET, HEAD
}
