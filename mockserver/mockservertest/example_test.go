package mockservertest_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/phlomock/phlomock/mockserver/mockservertest"
)

// In a test, write mockservertest.NewServer(t): it closes itself at the end.
func ExampleStart() {
	s, err := mockservertest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()

	body := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	resp, err := s.Client().Post(s.URL+"/v1/phlo/P1/multi_party_call/N1", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(b), `"error":""`))
	fmt.Println(s.AuthID)
	// Output:
	// 201 true
	// MAPHLOMOCKDEFAULT001
}

// A fake running the bad-role scenario: node actions are refused with
// Plivo's role error, so a client's error path can be tested.
func ExampleWithScenario() {
	s, err := mockservertest.Start(mockservertest.WithScenario("bad-role"))
	if err != nil {
		panic(err)
	}
	defer s.Close()

	body := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	resp, err := s.Client().Post(s.URL+"/v1/phlo/P1/multi_party_call/N1", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, s.Director.Active())

	// At runtime, as the control plane does it.
	if err := s.Director.ActivateNames("success"); err != nil {
		panic(err)
	}
	resp, err = s.Client().Post(s.URL+"/v1/phlo/P1/multi_party_call/N1", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, s.Director.Active())
	// Output:
	// 400 [bad-role]
	// 201 [success]
}
