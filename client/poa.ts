// Client side of the poa module: type URLs, the protobuf message classes and their TypeScript
// shapes, EncodeObject types for SigningStargateClient, and the registry entries.
import type { GeneratedType } from "@cosmjs/proto-signing";
import { MSG_PROPOSE_VALIDATOR_CHANGE, MSG_VOTE_VALIDATOR_CHANGE } from "../modules/poa/type-urls.ts";
import { sensorchain } from "../proto/gen/poa.js";
import { canonicalType } from "./canonical-type.ts";

export * from "../modules/poa/type-urls.ts";

/** Generated classes: encode/decode/fromObject/toObject of every poa message, query and enum. */
export const poa = sensorchain.poa.v1;
export const { ChangeKind, ProposalStatus, VoteOption, EvidenceType } = sensorchain.poa.v1;

export type MsgProposeValidatorChange = sensorchain.poa.v1.IMsgProposeValidatorChange;
export type MsgVoteValidatorChange = sensorchain.poa.v1.IMsgVoteValidatorChange;
export type ValidatorRecord = sensorchain.poa.v1.IValidator;
export type ProposalRecord = sensorchain.poa.v1.IProposal;

export interface MsgProposeValidatorChangeEncodeObject {
  typeUrl: typeof MSG_PROPOSE_VALIDATOR_CHANGE;
  value: MsgProposeValidatorChange;
}
export interface MsgVoteValidatorChangeEncodeObject {
  typeUrl: typeof MSG_VOTE_VALIDATOR_CHANGE;
  value: MsgVoteValidatorChange;
}

/** [type URL, cosmjs GeneratedType] for every poa message, as Registry's constructor takes them. */
export const poaTypes: [string, GeneratedType][] = [
  [MSG_PROPOSE_VALIDATOR_CHANGE, canonicalType(poa.MsgProposeValidatorChange)],
  [MSG_VOTE_VALIDATOR_CHANGE, canonicalType(poa.MsgVoteValidatorChange)],
];
