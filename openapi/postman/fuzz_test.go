package postman_test

import (
	"testing"

	"github.com/phlomock/phlomock/openapi/postman"
)

// FuzzParse checks that no input makes the reader panic, and that whatever it
// accepts can be walked and its bodies decoded.
func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "seed.postman_collection.json"))
	f.Add([]byte(`{"info":{"name":"x"},"item":[{"name":"i","request":"{{b}}/v1/:id?x=1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := postman.Parse(data)
		if err != nil {
			_ = err.Error()
			return
		}
		c.Walk(func(_ []*postman.Item, it *postman.Item) {
			if it.Request.Body.IsJSON() {
				_, _ = postman.DecodeJSON(it.Request.Body.Raw)
			}
			for _, r := range it.Responses {
				_, _ = postman.DecodeJSON(r.Body)
			}
		})
	})
}
