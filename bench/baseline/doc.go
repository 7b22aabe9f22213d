// Command baseline is the bare net/http handler that phlomock's loopback
// benchmark measures itself against: the least a fake of the PHLO node-action
// endpoint could do.
//
// For every request it checks Basic auth against the default account
// (MAPHLOMOCKDEFAULT001:phlomock-default-auth-token) with a constant-time
// compare, decodes the JSON body of a node action, checks that role is
// customer or agent, and answers 201 with a constant
// {"api_id":"...","error":""}. Bad credentials get 401, a bad body or role
// 400, like the real API.
//
// It is not a fake: it has no routing, no validation against the contract,
// no scenarios and no journal, and it answers every path and method alike.
// Only bench/run starts it; nothing imports it.
//
//	go run ./bench/baseline -addr 127.0.0.1:8090
//
// Files: main.go.
package main
