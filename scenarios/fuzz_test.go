package scenarios

import (
	"reflect"
	"testing"
)

// FuzzParse checks that no input makes Parse, Validate, Compile or Match
// panic, that Validate does not change what Parse returned, and that
// Marshal writes back what Parse read. The seed
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
		valid := s.Validate(known) == nil
		// One writer: what Parse read, Marshal writes back to the same
		// scenario, and it still passes Check.
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of a parsed scenario: %v", err)
		}
		back, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("Marshal wrote what Parse refuses: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(strip(s), strip(back)) {
			t.Fatalf("Marshal changed the scenario:\n%s", out)
		}
		if _, err := Check("fuzz.yaml", out, known); valid && err != nil {
			t.Fatalf("Marshal wrote what Check refuses: %v\n%s", err, out)
		}
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
