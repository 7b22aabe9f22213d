package jsonread_test

import (
	"fmt"

	"github.com/phlomock/phlomock/internal/jsonread"
)

// A Reader reads a known shape in place; the first false hands the text
// to encoding/json.
func ExampleReader() {
	r := jsonread.NewReader(`{"to":"+14152225555","tries":3,"extra":{"a":[1,2]}}`)
	if !r.Delim('{') {
		return
	}
	for {
		key, ok := r.ReadString()
		if !ok || !r.Delim(':') {
			fmt.Println("not mine: encoding/json reads it")
			return
		}
		switch key {
		case "to":
			to, _ := r.ReadString()
			fmt.Println("to", to)
		case "tries":
			n, _ := r.ReadInt(64)
			fmt.Println("tries", n)
		default:
			raw, _ := r.ReadValue()
			fmt.Println(key, raw)
		}
		if !r.Delim(',') {
			break
		}
	}
	fmt.Println(r.Delim('}') && r.End())
	// Output:
	// to +14152225555
	// tries 3
	// extra {"a":[1,2]}
	// true
}

// Scan reads a flat body without allocating: keys and values are the
// body's own bytes.
func ExampleScan() {
	ok := jsonread.Scan(`{"action":"call","role":"agent","hangup":false}`, func(key, value string, kind jsonread.Kind) {
		fmt.Println(key, value, kind == jsonread.String)
	})
	fmt.Println(ok)
	_, ok = jsonread.Parse(`{"to":"\u002b1415"}`)
	fmt.Println(ok, "(an escape: encoding/json reads it)")
	// Output:
	// action call true
	// role agent true
	// hangup false false
	// true
	// false (an escape: encoding/json reads it)
}
