package multiparty_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// The inspection endpoint serves Registry.Snapshot as JSON; a refused
// action is a *TransitionError the fake answers with 400.
func ExampleRegistry_Snapshot() {
	reg := multiparty.NewRegistry(multiparty.Options{})
	_ = reg.Seed("P1", "N1", []multiparty.Member{
		{Address: "+14152225555", Role: multiparty.Agent},
		{Address: "+14152223333", Role: multiparty.Customer},
	})
	_, _ = reg.Apply("P1", "N1", multiparty.Action{Kind: multiparty.WarmTransfer, TriggerSource: "+14152225555", To: "+14152224444"})

	_, err := reg.Apply("P1", "N1", multiparty.Action{Kind: multiparty.AbortTransfer, Member: "+14152224444"})
	fmt.Println(errors.Is(err, multiparty.ErrNotInitiator), err)

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(reg.Snapshot())
	// Output:
	// true abort_transfer refused for +14152224444: member did not start the pending transfer (post abort_transfer on +14152225555)
	// [
	//   {
	//     "phlo_id": "P1",
	//     "node_id": "N1",
	//     "seq": 1,
	//     "members": [
	//       {
	//         "address": "+14152225555",
	//         "role": "agent",
	//         "state": "in_transfer"
	//       },
	//       {
	//         "address": "+14152223333",
	//         "role": "customer",
	//         "state": "on_hold"
	//       },
	//       {
	//         "address": "+14152224444",
	//         "role": "agent",
	//         "state": "in_transfer"
	//       }
	//     ],
	//     "transfer": {
	//       "initiator": "+14152225555",
	//       "target": "+14152224444",
	//       "held": [
	//         "+14152223333"
	//       ]
	//     }
	//   }
	// ]
}
