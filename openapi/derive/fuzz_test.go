package derive_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/phlomock/phlomock/openapi/derive"
	"github.com/phlomock/phlomock/openapi/postman"
)

// FuzzDerive checks that whatever the reader accepts, derivation neither
// panics nor produces a document that cannot be encoded.
func FuzzDerive(f *testing.F) {
	for _, name := range []string{"testdata/tasks.postman_collection.json", "../postman/testdata/seed.postman_collection.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := postman.Parse(data)
		if err != nil {
			return
		}
		doc, _ := derive.Derive(c)
		if _, err := json.Marshal(doc); err != nil {
			t.Fatalf("derived document does not encode: %v", err)
		}
	})
}
