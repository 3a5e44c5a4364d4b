// Type URLs, query paths and event types of the poa module: plain constants with no imports,
// shared by the module, the cosmjs client registry (client/) and the CLI.

export const MSG_PROPOSE_VALIDATOR_CHANGE = "/sensorchain.poa.v1.MsgProposeValidatorChange";
export const MSG_VOTE_VALIDATOR_CHANGE = "/sensorchain.poa.v1.MsgVoteValidatorChange";

export const QUERY_VALIDATORS = "/sensorchain.poa.v1.Query/Validators";
export const QUERY_VALIDATOR = "/sensorchain.poa.v1.Query/Validator";
export const QUERY_PROPOSALS = "/sensorchain.poa.v1.Query/Proposals";
export const QUERY_PROPOSAL = "/sensorchain.poa.v1.Query/Proposal";
export const QUERY_VOTES = "/sensorchain.poa.v1.Query/Votes";
export const QUERY_EVIDENCE = "/sensorchain.poa.v1.Query/Evidence";

/** Event types (attributes are plain strings; README.md lists them). */
export const EVENT_PROPOSAL_SUBMITTED = "sensorchain.poa.v1.EventProposalSubmitted";
export const EVENT_VOTE = "sensorchain.poa.v1.EventVote";
export const EVENT_PROPOSAL_PASSED = "sensorchain.poa.v1.EventProposalPassed";
export const EVENT_PROPOSAL_FAILED = "sensorchain.poa.v1.EventProposalFailed";
export const EVENT_PROPOSAL_EXPIRED = "sensorchain.poa.v1.EventProposalExpired";
export const EVENT_VALIDATOR_UPDATED = "sensorchain.poa.v1.EventValidatorUpdated";
export const EVENT_CHANGE_DEFERRED = "sensorchain.poa.v1.EventChangeDeferred";
export const EVENT_CHANGE_DROPPED = "sensorchain.poa.v1.EventChangeDropped";
export const EVENT_VALIDATOR_JAILED = "sensorchain.poa.v1.EventValidatorJailed";
export const EVENT_EVIDENCE_RECORDED = "sensorchain.poa.v1.EventEvidenceRecorded";
