package faketest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

func TestNewServer(t *testing.T) {
	cases := []struct {
		name   string
		cfg    fake.Config
		id     string
		status int
	}{
		{"default account", fake.Config{}, mockserver.DefaultAuthID, 200},
		{"own account", fake.Config{Accounts: mockserver.StaticAccounts{"SAXXXXXXXXXXXXXXXXXX": "t"}}, "SAXXXXXXXXXXXXXXXXXX", 200},
		{"strict ids", fake.Config{Options: mockserver.Options{StrictIDs: true}, World: mockserver.StaticWorld{"P2": nil}}, mockserver.DefaultAuthID, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := faketest.NewServer(t, c.cfg)
			assert.Equal(t, c.id, s.AuthID)
			resp, err := s.Client().Get(s.URL + "/v1/phlo/P1")
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, c.status, resp.StatusCode)
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.NotEmpty(t, body["api_id"])
			require.Len(t, s.Journal(mockserver.Filter{}), 1)
		})
	}
}

func TestClientKeepsExplicitAuth(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	req, _ := http.NewRequest("GET", s.URL+"/v1/phlo/P1", nil)
	req.SetBasicAuth("MAXXXXXXXXXXXXXXXXXX", "wrong")
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
}

func TestAdminJournal(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	c := s.Client()
	for _, p := range []string{"/v1/phlo/P1", "/v1/phlo/P1/multi_party_call/N1", "/v1/nowhere"} {
		resp, err := c.Get(s.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
	}
	cases := []struct {
		query string
		paths []string
	}{
		{"", []string{"/v1/phlo/P1", "/v1/phlo/P1/multi_party_call/N1", "/v1/nowhere"}},
		{"?operation=getMultiPartyCall", []string{"/v1/phlo/P1/multi_party_call/N1"}},
		{"?status=404", []string{"/v1/nowhere"}},
		{"?method=get&limit=2", []string{"/v1/phlo/P1/multi_party_call/N1", "/v1/nowhere"}},
		{"?path=/v1/phlo/P1", []string{"/v1/phlo/P1"}},
		{"?method=POST", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			resp, err := http.Get(s.AdminURL + "/__admin/journal" + tc.query)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			var page mockserver.JournalPage
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
			got := []string{}
			for _, e := range page.Entries {
				got = append(got, e.Path)
			}
			assert.Equal(t, tc.paths, got)
		})
	}
	t.Run("bad limit", func(t *testing.T) {
		resp, err := http.Get(s.AdminURL + "/__admin/journal?limit=x")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 400, resp.StatusCode)
	})
	t.Run("delete", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", s.AdminURL+"/__admin/journal", nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 204, resp.StatusCode)
		assert.Empty(t, s.Journal(mockserver.Filter{}))
	})
	t.Run("unknown admin route", func(t *testing.T) {
		resp, err := http.Get(s.AdminURL + "/__admin/nope")
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	})
	t.Run("readyz follows SetReady", func(t *testing.T) {
		s.Fake.API.SetReady(false)
		defer s.Fake.API.SetReady(true)
		resp, err := http.Get(s.AdminURL + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 503, resp.StatusCode)
	})
}

func TestResponderDropAndDelay(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{Options: mockserver.Options{Store: mockserver.State{
		Responder: mockserver.ResponderFunc(func(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
			switch ex.PathParams["phlo_id"] {
			case "drop":
				return &mockserver.Answer{Drop: true}, true
			case "slow":
				return &mockserver.Answer{Delay: time.Millisecond, Status: 200}, true
			case "panic":
				panic("scripted")
			case "wrong":
				return &mockserver.Answer{Status: 200, Body: []byte(`{"api_id":"a","phlo_id":5}` + "\n")}, true
			}
			return nil, false
		}),
	}}})
	t.Run("drop", func(t *testing.T) {
		_, err := s.Client().Get(s.URL + "/v1/phlo/drop")
		require.Error(t, err, "the connection is closed without an answer")
		e := s.Journal(mockserver.Filter{Limit: 1})[0]
		assert.Equal(t, 0, e.Status)
		assert.Equal(t, "responder", e.Source)
	})
	t.Run("delay", func(t *testing.T) {
		resp, err := s.Client().Get(s.URL + "/v1/phlo/slow")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	})
	t.Run("an answer that breaks the contract is a 500 naming it", func(t *testing.T) {
		// Options.ValidateResponses is false in the Config: the helper
		// checks every answer anyway.
		resp, err := s.Client().Get(s.URL + "/v1/phlo/wrong")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, 500, resp.StatusCode, "body %s", body)
		assert.Contains(t, string(body), "phlo_id")
	})
	t.Run("a panicking responder answers 500 JSON", func(t *testing.T) {
		resp, err := s.Client().Get(s.URL + "/v1/phlo/panic")
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, 500, resp.StatusCode)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		assert.NotEmpty(t, body["api_id"])
	})
}

func TestWithScenarioErrors(t *testing.T) {
	_, err := faketest.Start(fake.Config{}, "nope")
	require.ErrorIs(t, err, scenarios.ErrUnknownScenario)

	responder := mockserver.ResponderFunc(func(context.Context, *mockserver.Exchange) (*mockserver.Answer, bool) { return nil, false })
	_, err = faketest.Start(fake.Config{Options: mockserver.Options{Store: mockserver.State{Responder: responder}}}, "success")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "choose one")

	s := faketest.NewServer(t, fake.Config{Options: mockserver.Options{Store: mockserver.State{Responder: responder}}})
	assert.Nil(t, s.Director, "a Responder of the test's own: no Director")
}

// One fake shared by parallel tests, each in a session of its own: each
// sees only its own scenario and journal.
func TestSessionsShareOneFake(t *testing.T) {
	shared := faketest.NewServer(t, fake.Config{})
	for _, scenario := range []string{"success", "bad-role", "auth-failure", "server-error"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			s := shared.Session(t, scenario)
			want := map[string]int{"success": 201, "bad-role": 400, "auth-failure": 401, "server-error": 500}[scenario]
			for range 3 {
				_, err := s.PhloClient().ColdTransfer(t.Context(), "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
					client.CallParams{To: "+14152223333", TriggerSource: "+14152225555"})
				if want == 201 {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
				}
			}
			es := s.Journal(mockserver.Filter{})
			require.Len(t, es, 3, "only this test's requests")
			for _, e := range es {
				assert.Equal(t, want, e.Status)
				assert.Equal(t, s.AuthID, e.AuthID)
			}
		})
	}
}
