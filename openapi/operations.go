package openapi

// The PHLO runner API's operation ids, as the contract (phlorunner.yaml)
// names them: the one place Go code spells them. TestOperationIDs checks
// them against the contract.
const (
	OpRunPhlo                = "runPhlo"
	OpGetPhlo                = "getPhlo"
	OpGetMultiPartyCall      = "getMultiPartyCall"
	OpUpdateMultiPartyCall   = "updateMultiPartyCall"
	OpUpdateMember           = "updateMember"
	OpGetConferenceBridge    = "getConferenceBridge"
	OpUpdateConferenceMember = "updateConferenceMember"
)

// OperationIDs are all the contract's operation ids.
func OperationIDs() []string {
	return []string{OpRunPhlo, OpGetPhlo, OpGetMultiPartyCall, OpUpdateMultiPartyCall, OpUpdateMember,
		OpGetConferenceBridge, OpUpdateConferenceMember}
}
