package openapi_test

import (
	"fmt"

	"github.com/phlomock/phlomock/openapi"
)

func ExampleLoad() {
	doc, err := openapi.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	op := doc.Paths.Find("/v1/phlo/{phlo_id}/multi_party_call/{node_id}").Post
	fmt.Println(op.OperationID)
	for _, s := range op.RequestBody.Value.Content.Get("application/json").Schema.Value.OneOf {
		fmt.Println(" ", s.Ref)
	}
	// Output:
	// updateMultiPartyCall
	//   #/components/schemas/CallUser
	//   #/components/schemas/WarmTransferCaller
	//   #/components/schemas/ColdTransferCaller
}

func ExampleGenerate() {
	_, _, err := openapi.Generate(openapi.Input{
		Collection:     []byte("{\"info\": {\"name\": \"x\"},\n \"item\": [\n  {\"name\": \"a\" \"request\": {}}]}"),
		CollectionName: "my.postman_collection.json",
	})
	fmt.Println(err)
	// Output:
	// my.postman_collection.json:3:16: invalid character '"' after object key:value pair
}
