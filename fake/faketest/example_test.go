package faketest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// In a test, write faketest.NewServer(t, fake.Config{}): it closes itself at the end.
func ExampleStart() {
	s, err := faketest.Start(fake.Config{})
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
func ExampleStart_scenario() {
	s, err := faketest.Start(fake.Config{}, "bad-role")
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

// The reference client, already pointed at the fake with its account.
func ExampleServer_PhloClient() {
	s, err := faketest.Start(fake.Config{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	res, err := s.PhloClient().ColdTransfer(context.Background(), "P1", "N1", client.ColdTransferParams{
		To: "+14152225555", Role: client.RoleAgent, TriggerSource: "+14152223333"})
	fmt.Println(err, res.Error == "", len(s.Journal(mockserver.Filter{OperationID: "updateMultiPartyCall"})))
	// Output:
	// <nil> true 1
}

// A scenario file of your own (testdata/my-bad-role.yaml refuses cold
// transfers with Plivo's role error), as `phlomock serve --scenario FILE`.
func ExampleStart_scenarioFile() {
	s, err := faketest.Start(fake.Config{}, "testdata/my-bad-role.yaml")
	if err != nil {
		panic(err)
	}
	defer s.Close()

	_, err = s.PhloClient().ColdTransfer(context.Background(), "P1", "N1", client.ColdTransferParams{
		To: "+14152225555", Role: client.RoleAgent, TriggerSource: "+14152223333"})
	var apiErr *client.APIError
	fmt.Println(errors.Is(err, client.ErrBadRequest), errors.As(err, &apiErr) && apiErr.Message != "", s.Director.Active())
	// Output:
	// true true [my-bad-role]
}

// A scenario written in the test itself, parsed as a scenario file is and
// given in Config.Active: every GET of a PHLO answers 404.
func ExampleStart_parsedScenario() {
	gone, err := scenarios.Check("scenario YAML", []byte(`
version: 1
name: no-such-phlo
rules:
  - name: gone
    match: {operation: getPhlo}
    respond: {status: 404, body: {api_id: "{{api_id}}", error: PHLO not found}}
`), nil)
	if err != nil {
		panic(err)
	}
	s, err := faketest.Start(fake.Config{Active: []*scenarios.Scenario{gone}})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	_, err = s.PhloClient().GetPHLO(context.Background(), "P1")
	fmt.Println(errors.Is(err, client.ErrNotFound))

	// A mistake is reported with its line and column.
	_, err = scenarios.Check("scenario YAML", []byte("version: 1\nname: x\nrules:\n  - name: r\n    respnd: 500\n"), nil)
	fmt.Println(err)
	// Output:
	// true
	// scenario YAML:5:5: unknown key "respnd" (did you mean "respond"?)
}
