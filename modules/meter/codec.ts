// The meter module's records as plain TypeScript values (bigint days, counts and powers) and their
// canonical protobuf bytes (proto/sensorchain/meter/v1/state.proto). The commitment hash is sha256 of
// the canonical CommitmentBody bytes.
import { sha256 } from "../../chain/crypto/hash.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/meter.js";
import { toBigInt } from "../proto-values.ts";

export const pb = sensorchain.meter.v1;

export interface Aggregate {
  name: string;
  unit: string;
  sum: string;
  min: string;
  max: string;
}

export interface CommitmentBody {
  deviceId: string;
  /** Days since 1970-01-01 UTC. */
  day: bigint;
  root: Uint8Array;
  count: bigint;
  aggregates: Aggregate[];
  firstTimestampMs: bigint;
  lastTimestampMs: bigint;
}

export interface Candidate {
  body: CommitmentBody;
  hash: Uint8Array;
  submitter: string;
  /** Operators backing it, submitter first, in order of attestation. */
  attesters: string[];
  submitHeight: bigint;
}

export interface Commitment {
  body: CommitmentBody;
  hash: Uint8Array;
  submitter: string;
  attesters: string[];
  attestedPower: bigint;
  totalPower: bigint;
  finalHeight: bigint;
}

export function bodyToProto(body: CommitmentBody): sensorchain.meter.v1.ICommitmentBody {
  return {
    deviceId: body.deviceId,
    day: Number(body.day),
    root: body.root,
    count: toLong(body.count),
    aggregates: body.aggregates.map((a) => ({ ...a })),
    firstTimestampMs: toLong(body.firstTimestampMs),
    lastTimestampMs: toLong(body.lastTimestampMs),
  };
}

export function bodyFromProto(
  message: sensorchain.meter.v1.ICommitmentBody | null | undefined,
): CommitmentBody {
  return {
    deviceId: message?.deviceId ?? "",
    day: BigInt(message?.day ?? 0),
    root: message?.root ?? new Uint8Array(0),
    count: toBigInt(message?.count),
    aggregates: (message?.aggregates ?? []).map((a) => ({
      name: a.name ?? "",
      unit: a.unit ?? "",
      sum: a.sum ?? "",
      min: a.min ?? "",
      max: a.max ?? "",
    })),
    firstTimestampMs: toBigInt(message?.firstTimestampMs),
    lastTimestampMs: toBigInt(message?.lastTimestampMs),
  };
}

export function encodeBody(body: CommitmentBody): Uint8Array {
  return encodeCanonical(pb.CommitmentBody, bodyToProto(body));
}

/** What attestations name: sha256 of the canonical body bytes. */
export function commitmentHash(body: CommitmentBody): Uint8Array {
  return sha256(encodeBody(body));
}

export function candidateToProto(candidate: Candidate): sensorchain.meter.v1.ICandidate {
  return {
    body: bodyToProto(candidate.body),
    hash: candidate.hash,
    submitter: candidate.submitter,
    attesters: candidate.attesters,
    submitHeight: toLong(candidate.submitHeight),
  };
}

export function candidateFromProto(message: sensorchain.meter.v1.ICandidate): Candidate {
  return {
    body: bodyFromProto(message.body),
    hash: message.hash ?? new Uint8Array(0),
    submitter: message.submitter ?? "",
    attesters: [...(message.attesters ?? [])],
    submitHeight: toBigInt(message.submitHeight),
  };
}

export const encodeCandidate = (candidate: Candidate): Uint8Array =>
  encodeCanonical(pb.Candidate, candidateToProto(candidate));
export const decodeCandidate = (bytes: Uint8Array): Candidate =>
  candidateFromProto(pb.Candidate.decode(bytes));

export function commitmentToProto(commitment: Commitment): sensorchain.meter.v1.ICommitment {
  return {
    body: bodyToProto(commitment.body),
    hash: commitment.hash,
    submitter: commitment.submitter,
    attesters: commitment.attesters,
    attestedPower: toLong(commitment.attestedPower),
    totalPower: toLong(commitment.totalPower),
    finalHeight: toLong(commitment.finalHeight),
  };
}

export function commitmentFromProto(message: sensorchain.meter.v1.ICommitment): Commitment {
  return {
    body: bodyFromProto(message.body),
    hash: message.hash ?? new Uint8Array(0),
    submitter: message.submitter ?? "",
    attesters: [...(message.attesters ?? [])],
    attestedPower: toBigInt(message.attestedPower),
    totalPower: toBigInt(message.totalPower),
    finalHeight: toBigInt(message.finalHeight),
  };
}

export const encodeCommitment = (commitment: Commitment): Uint8Array =>
  encodeCanonical(pb.Commitment, commitmentToProto(commitment));
export const decodeCommitment = (bytes: Uint8Array): Commitment =>
  commitmentFromProto(pb.Commitment.decode(bytes));
