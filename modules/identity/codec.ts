// The identity module's records as plain TypeScript values (bigint ids and heights, string enums),
// and their canonical protobuf bytes (proto/sensorchain/identity/v1/state.proto).
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/identity.js";
import { nameOf, toBigInt } from "../proto-values.ts";
import type { VoteActionName } from "./keys.ts";

export const pb = sensorchain.identity.v1;

export type IdentityStatusName = "active" | "revoked";

export interface IdentityToken {
  classId: string;
  tokenId: bigint;
  owner: string;
  profileCid: string;
  sector: string;
  verified: boolean;
  status: IdentityStatusName;
  /** Empty while active. */
  revocationReason: string;
  registrationHeight: bigint;
  /** 0n when the profile was never updated. */
  profileUpdateHeight: bigint;
  verifiedHeight: bigint;
  revokedHeight: bigint;
}

export interface Operator {
  address: string;
  power: bigint;
}

export interface IdentityParams {
  consortiumOperators: Operator[];
}

export interface Vote {
  tokenId: bigint;
  action: VoteActionName;
  voter: string;
  /** Revoke votes only. */
  reason: string;
  height: bigint;
}

const STATUSES: Readonly<Record<IdentityStatusName, number>> = {
  active: pb.IdentityStatus.IDENTITY_STATUS_ACTIVE,
  revoked: pb.IdentityStatus.IDENTITY_STATUS_REVOKED,
};
const ACTIONS: Readonly<Record<VoteActionName, number>> = {
  verify: pb.VoteAction.VOTE_ACTION_VERIFY,
  revoke: pb.VoteAction.VOTE_ACTION_REVOKE,
};

export function tokenToProto(token: IdentityToken): sensorchain.identity.v1.IIdentityToken {
  return {
    classId: token.classId,
    tokenId: toLong(token.tokenId),
    owner: token.owner,
    profileCid: token.profileCid,
    sector: token.sector,
    verified: token.verified,
    status: STATUSES[token.status],
    revocationReason: token.revocationReason,
    registrationHeight: toLong(token.registrationHeight),
    profileUpdateHeight: toLong(token.profileUpdateHeight),
    verifiedHeight: toLong(token.verifiedHeight),
    revokedHeight: toLong(token.revokedHeight),
  };
}

/** A stored or genesis token message as an IdentityToken; throws on an unknown status. */
export function tokenFromProto(message: sensorchain.identity.v1.IIdentityToken): IdentityToken {
  const status = nameOf(STATUSES, message.status);
  if (status === undefined) throw new Error(`token ${toBigInt(message.tokenId)}: unknown status`);
  return {
    classId: message.classId ?? "",
    tokenId: toBigInt(message.tokenId),
    owner: message.owner ?? "",
    profileCid: message.profileCid ?? "",
    sector: message.sector ?? "",
    verified: message.verified ?? false,
    status,
    revocationReason: message.revocationReason ?? "",
    registrationHeight: toBigInt(message.registrationHeight),
    profileUpdateHeight: toBigInt(message.profileUpdateHeight),
    verifiedHeight: toBigInt(message.verifiedHeight),
    revokedHeight: toBigInt(message.revokedHeight),
  };
}

export function encodeToken(token: IdentityToken): Uint8Array {
  return encodeCanonical(pb.IdentityToken, tokenToProto(token));
}

export function decodeToken(bytes: Uint8Array): IdentityToken {
  return tokenFromProto(pb.IdentityToken.decode(bytes));
}

export function paramsToProto(params: IdentityParams): sensorchain.identity.v1.IParams {
  return {
    consortiumOperators: params.consortiumOperators.map((operator) => ({
      address: operator.address,
      power: toLong(operator.power),
    })),
  };
}

export function encodeParams(params: IdentityParams): Uint8Array {
  return encodeCanonical(pb.Params, paramsToProto(params));
}

export function decodeParams(bytes: Uint8Array): IdentityParams {
  return {
    consortiumOperators: pb.Params.decode(bytes).consortiumOperators.map((operator) => ({
      address: operator.address ?? "",
      power: toBigInt(operator.power),
    })),
  };
}

export function voteToProto(vote: Vote): sensorchain.identity.v1.IVote {
  return {
    tokenId: toLong(vote.tokenId),
    action: ACTIONS[vote.action],
    voter: vote.voter,
    reason: vote.reason,
    height: toLong(vote.height),
  };
}

export function voteFromProto(message: sensorchain.identity.v1.IVote): Vote {
  const action = nameOf(ACTIONS, message.action);
  if (action === undefined) throw new Error("vote: unknown action");
  return {
    tokenId: toBigInt(message.tokenId),
    action,
    voter: message.voter ?? "",
    reason: message.reason ?? "",
    height: toBigInt(message.height),
  };
}

export function encodeVote(vote: Vote): Uint8Array {
  return encodeCanonical(pb.Vote, voteToProto(vote));
}

export function decodeVote(bytes: Uint8Array): Vote {
  return voteFromProto(pb.Vote.decode(bytes));
}
