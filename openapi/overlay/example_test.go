package overlay_test

import (
	"encoding/json"
	"fmt"

	"github.com/phlomock/phlomock/openapi/overlay"
)

func ExampleOverlay_Apply() {
	o, err := overlay.Parse([]byte(`
overlay: 1.0.0
info: {title: errors everywhere, version: "1"}
actions:
  - target: $.paths.*.*.responses
    update:
      "404": {description: Not found.}
  - target: $.paths['/b'].get
    remove: true
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	var doc any
	_ = json.Unmarshal([]byte(`{"paths": {"/a": {"get": {"responses": {"200": {"description": "OK"}}}}, "/b": {"get": {}}}}`), &doc)
	out, unmatched, err := o.Apply(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := json.Marshal(out)
	fmt.Println(string(data))
	fmt.Println(unmatched)
	// Output:
	// {"paths":{"/a":{"get":{"responses":{"200":{"description":"OK"},"404":{"description":"Not found."}}}},"/b":{}}}
	// []
}
