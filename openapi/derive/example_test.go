package derive_test

import (
	"fmt"

	"github.com/phlomock/phlomock/openapi/derive"
	"github.com/phlomock/phlomock/openapi/postman"
)

func ExampleDerive() {
	c, err := postman.Parse([]byte(`{
	  "info": {"name": "Example"},
	  "item": [{
	    "name": "Hold a member",
	    "description": "| Arguments | Description | Required/Conditional/Optional |\n| :--- | :--- | :--- |\n| action | Set this parameter \"hold\". | Required |",
	    "request": {
	      "method": "POST",
	      "url": "https://api.example.com/v1/calls/:call_id/members/{{member}}",
	      "body": {"mode": "raw", "raw": "{\"action\": \"hold\" // comments are fine\n}", "options": {"raw": {"language": "json"}}}
	    },
	    "response": [{"name": "Held", "code": 200, "body": "{\"ok\": true}"}]
	  }, {
	    "name": "Fly away",
	    "request": {"method": "LINK", "url": "https://api.example.com/v1/away"}
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, warnings := derive.Derive(c)
	for path, item := range doc.Paths.Map() {
		op := item.Post
		body := op.RequestBody.Value.Content.Get("application/json").Schema.Value
		fmt.Println("POST", path, op.OperationID)
		fmt.Println("required:", body.Required, "action:", body.Properties["action"].Value.Enum)
	}
	fmt.Println("server:", doc.Servers[0].URL)
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// POST /v1/calls/{call_id}/members/{member} holdMember
	// required: [action] action: [hold]
	// server: https://api.example.com
	// warning: Fly away: method "LINK" has no OpenAPI operation; item skipped
}
