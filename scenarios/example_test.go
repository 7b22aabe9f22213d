package scenarios_test

import (
	"fmt"

	"github.com/phlomock/phlomock/scenarios"
)

func ExampleParse() {
	_, err := scenarios.Parse("my.yaml", []byte(`version: 1
rules:
  - match: {operation: getPhlo}
    respond: {status: 500, delay: 2 seconds}
    tims: 2
`))
	fmt.Println(err)
	// Output:
	// my.yaml:4:35: bad duration "2 seconds": want a number with a unit, like 200ms or 1.5s
	// my.yaml:5:5: unknown key "tims" (did you mean "times"?)
}

func ExampleScenario_Validate() {
	s, _ := scenarios.Parse("my.yaml", []byte(`version: 1
rules:
  - match: {operation: getPhlos}
    respond: 404
`))
	err := s.Validate(scenarios.KnownOperations{"getPhlo", "runPhlo"})
	fmt.Println(err)
	// Output:
	// my.yaml:3:24: unknown operation id "getPhlos" (did you mean "getPhlo"?): want one of getPhlo, runPhlo
}

func ExampleEngine_Match() {
	s, _ := scenarios.Parse("flaky.yaml", []byte(`version: 1
rules:
  - name: fail-once
    match: {operation: updateMember, body: {action: hangup}}
    times: 1
    respond:
      status: 500
      body: {api_id: "{{api_id}}", error: "cannot hang up {{path.member_address}}"}
`))
	engine, _ := scenarios.Compile(s)
	req := scenarios.Request{
		OperationID: "updateMember",
		PathParams:  map[string]string{"member_address": "+14152223333"},
		Body:        map[string]any{"action": "hangup"},
	}
	for range 2 {
		answer, ok := engine.Match(req)
		if !ok {
			fmt.Println("no rule: the contract answers")
			continue
		}
		fmt.Println(answer.RuleName, answer.Status, string(answer.Body("5f0c7e0e-1b52-4d51-9d8c-9a2b1f3f4e11")))
	}
	// Output:
	// fail-once 500 {"api_id":"5f0c7e0e-1b52-4d51-9d8c-9a2b1f3f4e11","error":"cannot hang up +14152223333"}
	// no rule: the contract answers
}

func ExampleBuiltin() {
	s, _ := scenarios.Builtin("rate-limited")
	engine, _ := scenarios.Compile(s)
	answer, _ := engine.Match(scenarios.Request{OperationID: "getPhlo"})
	fmt.Println(answer.Status, answer.Header.Get("Retry-After"))
	// Output:
	// 429 1
}
