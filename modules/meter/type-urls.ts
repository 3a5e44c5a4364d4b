// Type URLs, query paths and event types of the meter module: plain constants with no imports.

export const MSG_SUBMIT_COMMITMENT = "/sensorchain.meter.v1.MsgSubmitCommitment";
export const MSG_ATTEST_COMMITMENT = "/sensorchain.meter.v1.MsgAttestCommitment";

export const QUERY_COMMITMENT = "/sensorchain.meter.v1.Query/Commitment";
export const QUERY_COMMITMENTS_BY_DEVICE = "/sensorchain.meter.v1.Query/CommitmentsByDevice";
export const QUERY_CONFLICTS = "/sensorchain.meter.v1.Query/Conflicts";
export const QUERY_METER_STATUS = "/sensorchain.meter.v1.Query/Status";

export const EVENT_COMMITMENT_SUBMITTED = "sensorchain.meter.v1.EventCommitmentSubmitted";
export const EVENT_COMMITMENT_ATTESTED = "sensorchain.meter.v1.EventCommitmentAttested";
export const EVENT_COMMITMENT_CONFLICT = "sensorchain.meter.v1.EventCommitmentConflict";
export const EVENT_COMMITMENT_FINALIZED = "sensorchain.meter.v1.EventCommitmentFinalized";
