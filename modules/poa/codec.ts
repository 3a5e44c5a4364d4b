// The poa module's records as plain TypeScript values (bigint powers and heights, string enums), and
// their canonical protobuf bytes (proto/sensorchain/poa/v1/state.proto).
import type { Timestamp } from "../../chain/types/block.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/poa.js";
import { nameOf, toBigInt } from "../proto-values.ts";

export const pb = sensorchain.poa.v1;
type v1 = typeof sensorchain.poa.v1;

export type ChangeKindName = "add" | "remove" | "reweight";
export type ProposalStatusName = "open" | "passed" | "expired" | "failed";
export type VoteOptionName = "yes" | "no";
export type EvidenceTypeName = "duplicate_vote" | "light_client_attack";

export interface Validator {
  /** 32-byte ed25519 consensus key. */
  pubKey: Uint8Array;
  /** Power as last emitted to consensus; 0 only while jailed. */
  power: bigint;
  operator: string;
  moniker: string;
  nodeId: string;
  jailed: boolean;
  admissionHeight: bigint;
}

export interface ValidatorChange {
  kind: ChangeKindName;
  pubKey: Uint8Array;
  power: bigint;
  /** Empty in a remove, and in a reweight that keeps the current value. */
  operator: string;
  moniker: string;
  nodeId: string;
}

export interface Proposal {
  id: bigint;
  proposer: string;
  change: ValidatorChange;
  status: ProposalStatusName;
  submitHeight: bigint;
  expiryHeight: bigint;
  finalHeight: bigint;
  failureReason: string;
}

export interface Vote {
  proposalId: bigint;
  voter: string;
  option: VoteOptionName;
  height: bigint;
}

export interface QueuedChange {
  sequence: bigint;
  proposalId: bigint;
  change: ValidatorChange;
  jail: boolean;
}

export interface Evidence {
  type: EvidenceTypeName;
  validatorAddress: Uint8Array;
  height: bigint;
  time: Timestamp;
  validatorPower: bigint;
  totalVotingPower: bigint;
  hash: Uint8Array;
  processedHeight: bigint;
  jailed: boolean;
}

export interface Sequences {
  nextProposalId: bigint;
  nextChangeSequence: bigint;
}

export const CHANGE_KINDS: Readonly<Record<ChangeKindName, number>> = {
  add: pb.ChangeKind.CHANGE_KIND_ADD,
  remove: pb.ChangeKind.CHANGE_KIND_REMOVE,
  reweight: pb.ChangeKind.CHANGE_KIND_REWEIGHT,
};
export const PROPOSAL_STATUSES: Readonly<Record<ProposalStatusName, number>> = {
  open: pb.ProposalStatus.PROPOSAL_STATUS_OPEN,
  passed: pb.ProposalStatus.PROPOSAL_STATUS_PASSED,
  expired: pb.ProposalStatus.PROPOSAL_STATUS_EXPIRED,
  failed: pb.ProposalStatus.PROPOSAL_STATUS_FAILED,
};
export const VOTE_OPTIONS: Readonly<Record<VoteOptionName, number>> = {
  yes: pb.VoteOption.VOTE_OPTION_YES,
  no: pb.VoteOption.VOTE_OPTION_NO,
};
export const EVIDENCE_TYPES: Readonly<Record<EvidenceTypeName, number>> = {
  duplicate_vote: pb.EvidenceType.EVIDENCE_TYPE_DUPLICATE_VOTE,
  light_client_attack: pb.EvidenceType.EVIDENCE_TYPE_LIGHT_CLIENT_ATTACK,
};

export const changeKindName = (value: number | null | undefined) => nameOf(CHANGE_KINDS, value);
export const proposalStatusName = (value: number | null | undefined) => nameOf(PROPOSAL_STATUSES, value);
export const voteOptionName = (value: number | null | undefined) => nameOf(VOTE_OPTIONS, value);
export const evidenceTypeName = (value: number | null | undefined) => nameOf(EVIDENCE_TYPES, value);

/** A stored enum that names nothing is a broken state, not a user error. */
function known<Name>(name: Name | undefined, what: string): Name {
  if (name === undefined) throw new Error(`poa state: unknown ${what}`);
  return name;
}

const bytesOf = (value: Uint8Array | null | undefined) => Uint8Array.from(value ?? new Uint8Array(0));

export function validatorToProto(validator: Validator): sensorchain.poa.v1.IValidator {
  return {
    pubKey: validator.pubKey,
    power: toLong(validator.power),
    operator: validator.operator,
    moniker: validator.moniker,
    nodeId: validator.nodeId,
    jailed: validator.jailed,
    admissionHeight: toLong(validator.admissionHeight),
  };
}

export function validatorFromProto(message: sensorchain.poa.v1.IValidator): Validator {
  return {
    pubKey: bytesOf(message.pubKey),
    power: toBigInt(message.power),
    operator: message.operator ?? "",
    moniker: message.moniker ?? "",
    nodeId: message.nodeId ?? "",
    jailed: message.jailed ?? false,
    admissionHeight: toBigInt(message.admissionHeight),
  };
}

export function changeToProto(change: ValidatorChange): sensorchain.poa.v1.IValidatorChange {
  return {
    kind: CHANGE_KINDS[change.kind],
    pubKey: change.pubKey,
    power: toLong(change.power),
    operator: change.operator,
    moniker: change.moniker,
    nodeId: change.nodeId,
  };
}

export function changeFromProto(
  message: sensorchain.poa.v1.IValidatorChange | null | undefined,
): ValidatorChange {
  return {
    kind: known(changeKindName(message?.kind), "change kind"),
    pubKey: bytesOf(message?.pubKey),
    power: toBigInt(message?.power),
    operator: message?.operator ?? "",
    moniker: message?.moniker ?? "",
    nodeId: message?.nodeId ?? "",
  };
}

export function proposalToProto(proposal: Proposal): sensorchain.poa.v1.IProposal {
  return {
    id: toLong(proposal.id),
    proposer: proposal.proposer,
    change: changeToProto(proposal.change),
    status: PROPOSAL_STATUSES[proposal.status],
    submitHeight: toLong(proposal.submitHeight),
    expiryHeight: toLong(proposal.expiryHeight),
    finalHeight: toLong(proposal.finalHeight),
    failureReason: proposal.failureReason,
  };
}

export function proposalFromProto(message: sensorchain.poa.v1.IProposal): Proposal {
  return {
    id: toBigInt(message.id),
    proposer: message.proposer ?? "",
    change: changeFromProto(message.change),
    status: known(proposalStatusName(message.status), "proposal status"),
    submitHeight: toBigInt(message.submitHeight),
    expiryHeight: toBigInt(message.expiryHeight),
    finalHeight: toBigInt(message.finalHeight),
    failureReason: message.failureReason ?? "",
  };
}

export function voteToProto(vote: Vote): sensorchain.poa.v1.IVote {
  return {
    proposalId: toLong(vote.proposalId),
    voter: vote.voter,
    option: VOTE_OPTIONS[vote.option],
    height: toLong(vote.height),
  };
}

export function voteFromProto(message: sensorchain.poa.v1.IVote): Vote {
  return {
    proposalId: toBigInt(message.proposalId),
    voter: message.voter ?? "",
    option: known(voteOptionName(message.option), "vote option"),
    height: toBigInt(message.height),
  };
}

export function queuedToProto(queued: QueuedChange): sensorchain.poa.v1.IQueuedChange {
  return {
    sequence: toLong(queued.sequence),
    proposalId: toLong(queued.proposalId),
    change: changeToProto(queued.change),
    jail: queued.jail,
  };
}

export function queuedFromProto(message: sensorchain.poa.v1.IQueuedChange): QueuedChange {
  return {
    sequence: toBigInt(message.sequence),
    proposalId: toBigInt(message.proposalId),
    change: changeFromProto(message.change),
    jail: message.jail ?? false,
  };
}

export function evidenceToProto(evidence: Evidence): sensorchain.poa.v1.IEvidence {
  return {
    type: EVIDENCE_TYPES[evidence.type],
    validatorAddress: evidence.validatorAddress,
    height: toLong(evidence.height),
    timeSeconds: toLong(evidence.time.seconds),
    timeNanos: evidence.time.nanos,
    validatorPower: toLong(evidence.validatorPower),
    totalVotingPower: toLong(evidence.totalVotingPower),
    hash: evidence.hash,
    processedHeight: toLong(evidence.processedHeight),
    jailed: evidence.jailed,
  };
}

export function evidenceFromProto(message: sensorchain.poa.v1.IEvidence): Evidence {
  return {
    type: known(evidenceTypeName(message.type), "evidence type"),
    validatorAddress: bytesOf(message.validatorAddress),
    height: toBigInt(message.height),
    time: { seconds: toBigInt(message.timeSeconds), nanos: message.timeNanos ?? 0 },
    validatorPower: toBigInt(message.validatorPower),
    totalVotingPower: toBigInt(message.totalVotingPower),
    hash: bytesOf(message.hash),
    processedHeight: toBigInt(message.processedHeight),
    jailed: message.jailed ?? false,
  };
}

/** Canonical bytes of a record, with its protobufjs class. */
function codec<T, M extends object>(
  type: { encode(m: M): { finish(): Uint8Array }; decode(b: Uint8Array): M },
  to: (t: T) => M,
  from: (m: M) => T,
) {
  return {
    encode: (value: T): Uint8Array => encodeCanonical(type, to(value)),
    decode: (bytes: Uint8Array): T => from(type.decode(bytes)),
  };
}

export const validatorCodec = codec<Validator, sensorchain.poa.v1.IValidator>(
  pb.Validator as v1["Validator"],
  validatorToProto,
  validatorFromProto,
);
export const proposalCodec = codec<Proposal, sensorchain.poa.v1.IProposal>(
  pb.Proposal,
  proposalToProto,
  proposalFromProto,
);
export const voteCodec = codec<Vote, sensorchain.poa.v1.IVote>(pb.Vote, voteToProto, voteFromProto);
export const queuedCodec = codec<QueuedChange, sensorchain.poa.v1.IQueuedChange>(
  pb.QueuedChange,
  queuedToProto,
  queuedFromProto,
);
export const evidenceCodec = codec<Evidence, sensorchain.poa.v1.IEvidence>(
  pb.Evidence,
  evidenceToProto,
  evidenceFromProto,
);
export const sequencesCodec = codec<Sequences, sensorchain.poa.v1.ISequences>(
  pb.Sequences,
  (s) => ({ nextProposalId: toLong(s.nextProposalId), nextChangeSequence: toLong(s.nextChangeSequence) }),
  (m) => ({ nextProposalId: toBigInt(m.nextProposalId), nextChangeSequence: toBigInt(m.nextChangeSequence) }),
);
