package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/client"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
)

// newFake starts phlomock's fake, which checks its own answers against the
// contract, so that a passing call proves both sides kept to it.
func newFake(tb testing.TB, opts mockserver.Options) (*mockserver.Server, string) {
	tb.Helper()
	srv := faketest.NewServer(tb, fake.Config{Options: opts})
	return srv.Fake.API, srv.URL
}

const (
	phloID = "3f6d2c9e-5c1a-4c4e-9b7e-2a3c4d5e6f70"
	nodeID = "7a1b2c3d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"
)

// TestAgainstTheFake runs every operation against the fake: each must
// succeed, and the fake must have found no violation and applied no
// leniency (the client sends exactly what the contract says).
func TestAgainstTheFake(t *testing.T) {
	fake, url := newFake(t, mockserver.Options{})
	c := client.New(mockserver.DefaultAuthID, mockserver.DefaultAuthToken, client.WithBaseURL(url))
	node := client.CallParams{To: "+14152225555", Role: client.RoleCustomer, TriggerSource: "+14152223333"}
	tests := []struct {
		name string
		call func(ctx context.Context) (apiID string, err error)
	}{
		{"RunPHLO", func(ctx context.Context) (string, error) {
			r, err := c.RunPHLO(ctx, phloID, map[string]string{"from": "+14152223333", "to": "+14152225555"})
			if err == nil {
				assert.Equal(t, phloID, r.PHLOID)
				assert.NotEmpty(t, r.PHLORunID)
				return r.APIID, nil
			}
			return "", err
		}},
		{"RunPHLO without payload", func(ctx context.Context) (string, error) {
			r, err := c.RunPHLO(ctx, phloID, nil)
			if err == nil {
				return r.APIID, nil
			}
			return "", err
		}},
		{"GetPHLO", func(ctx context.Context) (string, error) {
			r, err := c.GetPHLO(ctx, phloID)
			if err == nil {
				assert.Equal(t, phloID, r.PHLOID)
				return r.APIID, nil
			}
			return "", err
		}},
		{"GetNode", func(ctx context.Context) (string, error) {
			r, err := c.GetNode(ctx, phloID, nodeID)
			if err == nil {
				assert.Equal(t, nodeID, r.NodeID)
				assert.Equal(t, "multi_party_call", r.NodeType)
				return r.APIID, nil
			}
			return "", err
		}},
		{"Call", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.Call(ctx, phloID, nodeID, node)
		})},
		{"WarmTransfer", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.WarmTransfer(ctx, phloID, nodeID, client.CallParams{To: "sip:bob@phone.plivo.com", TriggerSource: "+14152223333"})
		})},
		{"ColdTransfer", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.ColdTransfer(ctx, phloID, nodeID, node)
		})},
		{"AbortTransfer", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.AbortTransfer(ctx, phloID, nodeID, "+14152223333")
		})},
		{"Hold", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.Hold(ctx, phloID, nodeID, "sip:alice123@phone.plivo.com")
		})},
		{"Unhold", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.Unhold(ctx, phloID, nodeID, "sip:alice123@phone.plivo.com")
		})},
		{"Hangup", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.Hangup(ctx, phloID, nodeID, "+14152225555")
		})},
		{"ResumeCall", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.ResumeCall(ctx, phloID, nodeID, "+14152225555")
		})},
		{"VoicemailDrop", actionCall(func(ctx context.Context) (*client.ActionResult, error) {
			return c.VoicemailDrop(ctx, phloID, nodeID, "+14152225555")
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiID, err := tt.call(t.Context())
			require.NoError(t, err)
			assert.NotEmpty(t, apiID, "api_id")
		})
	}
	entries := fake.Journal().Entries(mockserver.Filter{})
	require.Len(t, entries, len(tests))
	for _, e := range entries {
		assert.Empty(t, e.Violations, "%s %s", e.Method, e.Path)
		assert.Empty(t, e.Lenient, "%s %s: the fake had to be lenient", e.Method, e.Path)
	}
}

func actionCall(f func(ctx context.Context) (*client.ActionResult, error)) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		r, err := f(ctx)
		if err != nil {
			return "", err
		}
		if r.Error != "" {
			return "", errors.New("success with error " + r.Error)
		}
		return r.APIID, nil
	}
}

// The fake's errors come back as *APIError matching the sentinels.
func TestFakeErrors(t *testing.T) {
	_, url := newFake(t, mockserver.Options{StrictIDs: true, Store: mockserver.State{World: mockserver.StaticWorld{phloID: {nodeID}}}})
	ok := client.New(mockserver.DefaultAuthID, mockserver.DefaultAuthToken, client.WithBaseURL(url))
	tests := []struct {
		name   string
		call   func(ctx context.Context) error
		want   error
		status int
	}{
		{"wrong token", func(ctx context.Context) error {
			_, err := client.New(mockserver.DefaultAuthID, "wrong", client.WithBaseURL(url)).GetPHLO(ctx, phloID)
			return err
		}, client.ErrUnauthorized, 401},
		{"unknown PHLO", func(ctx context.Context) error {
			_, err := ok.GetPHLO(ctx, "0e9f0e9f-0000-4000-8000-000000000000")
			return err
		}, client.ErrNotFound, 404},
		{"bad role", func(ctx context.Context) error {
			_, err := ok.ColdTransfer(ctx, phloID, nodeID, client.ColdTransferParams{To: "+14152225555", Role: "boss", TriggerSource: "+14152223333"})
			return err
		}, client.ErrBadRequest, 400},
		{"missing to", func(ctx context.Context) error {
			_, err := ok.Call(ctx, phloID, nodeID, client.CallParams{TriggerSource: "+14152223333"})
			return err
		}, client.ErrBadRequest, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			require.ErrorIs(t, err, tt.want)
			var apiErr *client.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.NotEmpty(t, apiErr.APIID, "api_id")
			assert.NotEmpty(t, apiErr.Message)
			t.Logf("%v", err)
		})
	}
}

// Testing code that uses the client against phlomock's fake, in-process.
func Example_testingWithTheFake() {
	fake, err := faketest.Start(fake.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fake.Close()

	c := client.New(fake.AuthID, fake.AuthToken, client.WithBaseURL(fake.URL))
	_, err = c.ColdTransfer(context.Background(), phloID, nodeID, client.ColdTransferParams{
		To: "+14152225555", TriggerSource: "+14152223333",
	})
	fmt.Println("error:", err)
	for _, e := range fake.Journal(mockserver.Filter{}) {
		fmt.Println(e.Method, e.Path, e.Status, e.Body)
	}
	// Output:
	// error: <nil>
	// POST /v1/phlo/3f6d2c9e-5c1a-4c4e-9b7e-2a3c4d5e6f70/multi_party_call/7a1b2c3d-0e9f-4a8b-8c7d-6e5f4a3b2c1d 201 {"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}
}
