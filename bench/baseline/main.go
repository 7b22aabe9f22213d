package main

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The default account of the fake, so that the same load script works on both.
const (
	authID    = "MAPHLOMOCKDEFAULT001"
	authToken = "phlomock-default-auth-token"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "baseline: %v\n", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen `address` (loopback only in benchmarks)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	// Listen synchronously so that a failure is reported before "listening".
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "baseline: listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// nodeAction is the body of a node action such as the seed's cold transfer.
type nodeAction struct {
	Action        string `json:"action"`
	To            string `json:"to"`
	Role          string `json:"role"`
	TriggerSource string `json:"trigger_source"`
}

var (
	wantAuth = []byte("Basic " + base64.StdEncoding.EncodeToString([]byte(authID+":"+authToken)))

	created      = []byte(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":""}`)
	unauthorized = []byte(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"authentication failed"}`)
	badBody      = []byte(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"invalid JSON body"}`)
	badRole      = []byte(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","error":"Invalid value provided for role."}`)
)

func handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), wantAuth) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write(unauthorized)
			return
		}
		var body nodeAction
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(badBody)
			return
		}
		if body.Role != "customer" && body.Role != "agent" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(badRole)
			return
		}
		w.WriteHeader(http.StatusCreated)
		w.Write(created)
	})
}
