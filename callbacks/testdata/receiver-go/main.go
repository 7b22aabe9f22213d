// Command receiver-go is a webhook receiver as an application would write
// it: it checks every callback with plivo-go's ValidateSignatureV3,
// unmodified, and prints one JSON line per callback on stdout (after a
// first line with its address). The callbacks package's tests start it.
//
//	receiver-go -token TOKEN [-status 200] [-status-first 500:2] [-sleep 0]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	plivo "github.com/plivo/plivo-go/v7"
)

func main() {
	token := flag.String("token", "", "the account's auth token")
	status := flag.Int("status", 200, "status to answer")
	failFirst := flag.Int("fail-first", 0, "answer 500 to this many requests first")
	sleep := flag.Duration("sleep", 0, "wait before answering")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	var mu sync.Mutex
	var n atomic.Int64
	enc := json.NewEncoder(os.Stdout)
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The URL Plivo signed: the one the application was configured
		// with, as this server sees it.
		uri := "http://" + r.Host + r.URL.RequestURI()
		params := map[string]string{}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			_ = r.ParseForm()
			for k, v := range r.PostForm {
				params[k] = v[0]
			}
		}
		var vars map[string]string
		if r.Method == http.MethodGet {
			vars = map[string]string{}
			for k, v := range r.URL.Query() {
				vars[k] = v[0]
			}
		} else if r.Header.Get("Content-Type") == "application/json" {
			_ = json.NewDecoder(r.Body).Decode(&vars)
		} else {
			vars = params
		}
		valid := plivo.ValidateSignatureV3(uri, r.Header.Get("X-Plivo-Signature-V3-Nonce"), r.Method,
			r.Header.Get("X-Plivo-Signature-V3"), *token, params)
		code := *status
		if n.Add(1) <= int64(*failFirst) {
			code = 500
		}
		time.Sleep(*sleep)
		mu.Lock()
		_ = enc.Encode(map[string]any{"valid": valid, "method": r.Method, "path": r.URL.Path, "vars": vars,
			"content_type": r.Header.Get("Content-Type"), "answered": code})
		mu.Unlock()
		w.WriteHeader(code)
	}))
}
