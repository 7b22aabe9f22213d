package scenarios

import (
	"testing"
)

// FuzzParse checks that no input makes Parse, Validate, Compile or Match
// panic, and that Validate does not change what Parse returned. The seed
// corpus is in testdata/fuzz/FuzzParse; the built-ins are added here.
func FuzzParse(f *testing.F) {
	for _, name := range BuiltinNames() {
		data, err := BuiltinYAML(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatalf("got a scenario and an error")
			}
			return
		}
		_ = s.Validate(known)
		e, err := Compile(s)
		if err != nil {
			return
		}
		for _, req := range requests() {
			if a, ok := e.Match(req); ok {
				_ = a.Body("api-id")
			}
		}
	})
}
