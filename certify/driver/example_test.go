package driver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/phlomock/phlomock/certify/driver"
)

// Start a driver once, give it operations to perform against a server,
// and read what its client surfaced. Here the driver is the Python one in
// certify/drivers/python and the server a stand-in for the fake.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"api_id":"a1","phlo_id":"P1","name":"Cold transfer"}`)
	}))
	defer srv.Close()

	ctx := context.Background()
	d, err := driver.Start(ctx, "python3 driver.py", driver.Options{Dir: "../drivers/python"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	fmt.Println(d.Hello().Client, "offers getPhlo:", d.Hello().Supports(driver.OpGetPhlo))

	r, err := d.Call(ctx, driver.CallMessage{
		ID: "getPhlo/ok", Operation: driver.OpGetPhlo, BaseURL: srv.URL,
		AuthID: "MAPHLOMOCKDEFAULT001", AuthToken: "phlomock-default-auth-token",
		Params: driver.Params{PhloID: "P1"},
	})
	if err != nil {
		fmt.Println(err) // the driver failed: a timeout, garbage, an exit
		return
	}
	fmt.Println(r.Outcome, r.Fields["api_id"], r.Fields["name"])
	// Output:
	// phlomock-python-driver offers getPhlo: true
	// success a1 Cold transfer
}
