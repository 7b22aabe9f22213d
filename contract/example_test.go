package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/openapi"
)

// Generate derives the suite from the spec: safe cases run anywhere, live
// ones place calls on a real deployment.
func ExampleGenerate() {
	spec, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	if err != nil {
		panic(err)
	}
	for _, c := range cases[:4] {
		fmt.Println(c.ID, c.Request.Method, c.Request.Path, c.Safe)
	}
	// Output:
	// runPhlo/valid POST /v1/account/{auth_id}/phlo/{phlo_id} false
	// runPhlo/auth-none POST /v1/account/{auth_id}/phlo/{phlo_id} true
	// runPhlo/auth-wrong POST /v1/account/{auth_id}/phlo/{phlo_id} true
	// runPhlo/unknown-phlo_id POST /v1/account/{auth_id}/phlo/{phlo_id} true
}

// A server whose errors are plain text breaks the contract twice per case.
func ExampleRunner_Run() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()

	spec, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	cases := []contract.Case{{
		ID: "getPhlo/auth-none", Operation: "getPhlo", Safe: true,
		Request: contract.Request{Method: http.MethodGet, Path: "/v1/phlo/{phlo_id}", Auth: contract.AuthNone},
		Expect:  contract.Expect{Outcome: contract.OutcomeReject, Status: http.StatusUnauthorized},
	}}
	runner := &contract.Runner{Spec: spec, Target: contract.Target{BaseURL: srv.URL, PhloID: "P1", NodeID: "N1"}}
	rep, err := runner.Run(context.Background(), cases)
	if err != nil {
		panic(err) // the run itself failed: unreachable target...
	}
	rep.ReplayBase = "http://127.0.0.1:8080" // where the replay commands send (the test server is gone)
	_ = contract.WriteText(os.Stdout, rep)
	// Output:
	// FAIL getPhlo/auth-none (401)
	//      content-type /headers/Content-Type: got "text/plain; charset=utf-8", want application/json [contract /paths/~1v1~1phlo~1{phlo_id}/get/responses/401/content]
	//      body-not-json /body: body is not JSON: starts "unauthorized\n" [contract /paths/~1v1~1phlo~1{phlo_id}/get/responses/401/content]
	//      replay: curl -sS -i -H 'Accept: application/json' -H 'User-Agent: phlomock-conform/1' 'http://127.0.0.1:8080/v1/phlo/P1'
	// conform: seed 0 (phlomock conform --seed 0 draws the same cases)
	// conform: 1 cases, 0 passed, 1 failed
}
