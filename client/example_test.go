package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/phlomock/phlomock/client"
)

// fakeRunner stands in for the PHLO runner (or a phlomock fake): it prints
// what it receives and answers like the API does.
func fakeRunner() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(strings.TrimSpace(fmt.Sprintln("server got", r.Method, r.URL.Path, string(body))))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/phlo/unknown":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"api_id":"4e1f6b3a-8d2c-4b7e-9f0a-1c2d3e4f5a6b","error":"PHLO not found"}`)
		case r.Method == http.MethodGet:
			io.WriteString(w, `{"api_id":"9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f","phlo_id":"`+r.URL.Path[len("/v1/phlo/"):]+`","name":"support line","created_on":"2020-08-01 09:05:11.846982+00:00"}`)
		default:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`)
		}
	}))
}

func Example() {
	srv := fakeRunner()
	defer srv.Close()

	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token", client.WithBaseURL(srv.URL))
	res, err := c.ColdTransfer(context.Background(), "e0c2f7b9", "a1b2c3d4", client.ColdTransferParams{
		To:            "+14152225555",
		Role:          client.RoleAgent,
		TriggerSource: "+14152223333",
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("api_id:", res.APIID)
	// Output:
	// server got POST /v1/phlo/e0c2f7b9/multi_party_call/a1b2c3d4 {"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}
	// api_id: 8c77b816-d621-4028-afc8-1aeab1d497a8
}

func ExampleClient_Hold() {
	srv := fakeRunner()
	defer srv.Close()

	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token", client.WithBaseURL(srv.URL))
	// The member's address goes into the path as it is.
	if _, err := c.Hold(context.Background(), "e0c2f7b9", "a1b2c3d4", "sip:alice123@phone.plivo.com"); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// server got POST /v1/phlo/e0c2f7b9/multi_party_call/a1b2c3d4/members/sip:alice123@phone.plivo.com {"action":"hold"}
}

func ExampleAPIError() {
	srv := fakeRunner()
	defer srv.Close()

	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token", client.WithBaseURL(srv.URL))
	_, err := c.GetPHLO(context.Background(), "unknown")
	if errors.Is(err, client.ErrNotFound) {
		fmt.Println("no such PHLO")
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, apiErr.APIID)
	}
	fmt.Println(err)
	// Output:
	// server got GET /v1/phlo/unknown
	// no such PHLO
	// 404 PHLO not found 4e1f6b3a-8d2c-4b7e-9f0a-1c2d3e4f5a6b
	// phlorunner: 404 PHLO not found (api_id 4e1f6b3a-8d2c-4b7e-9f0a-1c2d3e4f5a6b)
}

func ExampleClient_RunPHLO() {
	srv := fakeRunner()
	defer srv.Close()

	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token", client.WithBaseURL(srv.URL))
	// The payload carries what the PHLO's Start node expects; nil sends no body.
	_, err := c.RunPHLO(context.Background(), "e0c2f7b9", map[string]string{"from": "+14152223333", "to": "+14152225555"})
	fmt.Println("error:", err)
	// Output:
	// server got POST /v1/account/MAPHLOMOCKDEFAULT001/phlo/e0c2f7b9 {"from":"+14152223333","to":"+14152225555"}
	// error: <nil>
}

func ExampleClient_GetPHLO() {
	srv := fakeRunner()
	defer srv.Close()

	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token", client.WithBaseURL(srv.URL))
	phlo, err := c.GetPHLO(context.Background(), "e0c2f7b9")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(phlo.PHLOID, phlo.Name, phlo.CreatedOn)
	// Output:
	// server got GET /v1/phlo/e0c2f7b9
	// e0c2f7b9 support line 2020-08-01 09:05:11.846982+00:00
}

func ExampleWithRetry() {
	// A runner that is busy once, then answers.
	busy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if busy {
			busy = false
			fmt.Println("server: 429, retry after 0 s")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"api_id":"4e1f6b3a-8d2c-4b7e-9f0a-1c2d3e4f5a6b","error":"too many requests"}`)
			return
		}
		fmt.Println("server: 201")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`)
	}))
	defer srv.Close()

	// Up to 3 attempts in all. Off by default: a POST answered 5xx may
	// have taken effect.
	c := client.New("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token",
		client.WithBaseURL(srv.URL), client.WithRetry(3))
	res, err := c.Hangup(context.Background(), "e0c2f7b9", "a1b2c3d4", "+14152225555")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("api_id:", res.APIID)
	// Output:
	// server: 429, retry after 0 s
	// server: 201
	// api_id: 8c77b816-d621-4028-afc8-1aeab1d497a8
}
