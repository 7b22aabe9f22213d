package certify_test

import (
	"fmt"
	"os"

	"github.com/phlomock/phlomock/certify"
)

func ExampleSelect() {
	cases, err := certify.Select(certify.Cases(), "coldTransfer/*")
	if err != nil {
		panic(err)
	}
	for _, c := range cases {
		fmt.Println(c.ID)
	}
	// Output:
	// coldTransfer/ok
	// coldTransfer/no-role
	// coldTransfer/bad-role
	// coldTransfer/auth-failure
	// coldTransfer/unknown-phlo
	// coldTransfer/rate-limited
	// coldTransfer/rate-limited-date
	// coldTransfer/server-error
	// coldTransfer/empty-body
	// coldTransfer/not-json
	// coldTransfer/dropped
}

func ExampleWriteText() {
	cases, _ := certify.Select(certify.Cases(), "hold/ok,coldTransfer/no-role")
	rep := &certify.Report{
		Client: "my-client", Version: "1.0.0", Operations: []string{"coldTransfer", "hold"},
		Results: []certify.Result{
			{Case: cases[0], Verdict: certify.VerdictFail, Findings: []certify.Finding{{
				Code: certify.CodeSentContractViolation, Case: cases[0].ID,
				Message: `role "" breaks the contract: value is not one of the allowed values ["customer","agent"]`,
			}}},
			{Case: cases[1], Verdict: certify.VerdictPass},
		},
	}
	if err := certify.WriteText(os.Stdout, rep); err != nil {
		panic(err)
	}
	// Output:
	// phlomock certify: my-client 1.0.0 (operations: coldTransfer hold)
	//
	// FAIL coldTransfer/no-role
	//      sent-contract-violation: role "" breaks the contract: value is not one of the allowed values ["customer","agent"]
	//      replay: phlomock certify --driver ... --seed 0 --cases 'coldTransfer/no-role'
	//
	// CASE                  VERDICT  FINDINGS
	// coldTransfer/no-role  fail     sent-contract-violation
	// hold/ok               pass     -
	// certify: my-client 1.0.0: 2 cases, 1 passed, 1 failed: NOT certified
}
