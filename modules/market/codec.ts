// The market module's records as plain TypeScript values (bigint amounts, heights and times, string
// enums), and their canonical protobuf bytes (proto/sensorchain/market/v1/state.proto).
import type { Coin } from "../../chain/app/coins.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/market.js";
import { nameOf, toBigInt } from "../proto-values.ts";

export const pb = sensorchain.market.v1;
type v1 = typeof sensorchain.market.v1;

export type ListingStatusName = "active" | "delisting";
export type VerdictName = "seller_wins" | "challengers_win";

export interface MarketParams {
  stakeDenom: string;
  minListingStake: bigint;
  minChallengeStake: bigint;
  challengeThreshold: number;
  delistCooldownBlocks: bigint;
  gatewayBps: bigint;
  platformBps: bigint;
  slashPlatformBps: bigint;
}

export const DEFAULT_PARAMS: Readonly<MarketParams> = {
  stakeDenom: "usensor",
  minListingStake: 1_000n,
  minChallengeStake: 100n,
  challengeThreshold: 3,
  delistCooldownBlocks: 100n,
  gatewayBps: 1_000n,
  platformBps: 1_000n,
  slashPlatformBps: 1_000n,
};

export interface Listing {
  id: bigint;
  seller: string;
  deviceId: string;
  stake: Coin;
  price: Coin;
  periodSeconds: bigint;
  status: ListingStatusName;
  disputed: boolean;
  createdHeight: bigint;
  /** 0n until MsgDelist. */
  withdrawHeight: bigint;
  openChallenges: number;
  /** Sum of open challenge stakes, in stake.denom. */
  challengeStake: bigint;
  purchases: bigint;
}

export interface AccessGrant {
  id: bigint;
  listingId: bigint;
  buyer: string;
  deviceId: string;
  gateway: string;
  /** Unix seconds of block time, inclusive. */
  startTime: bigint;
  /** Unix seconds, exclusive. */
  endTime: bigint;
  paid: Coin;
  height: bigint;
}

export interface Challenge {
  listingId: bigint;
  challenger: string;
  /** In the listing's stake denom. */
  stake: bigint;
  reason: string;
  height: bigint;
}

export interface Dispute {
  listingId: bigint;
  openedHeight: bigint;
}

export interface DisputeVote {
  listingId: bigint;
  arbiter: string;
  verdict: VerdictName;
  height: bigint;
}

export const LISTING_STATUSES: Readonly<Record<ListingStatusName, number>> = {
  active: pb.ListingStatus.LISTING_STATUS_ACTIVE,
  delisting: pb.ListingStatus.LISTING_STATUS_DELISTING,
};
export const VERDICTS: Readonly<Record<VerdictName, number>> = {
  seller_wins: pb.Verdict.VERDICT_SELLER_WINS,
  challengers_win: pb.Verdict.VERDICT_CHALLENGERS_WIN,
};

export const verdictName = (value: number | null | undefined): VerdictName | undefined =>
  nameOf(VERDICTS, value);
export const listingStatusName = (value: number | null | undefined): ListingStatusName | undefined =>
  nameOf(LISTING_STATUSES, value);

/** int64 fields: Long decodes signed values as such. */
const long = (value: bigint) => toLong(value);
const coinToProto = (coin: Coin) => ({ denom: coin.denom, amount: coin.amount.toString() });
const coinFromProto = (coin: { denom?: string | null; amount?: string | null } | null | undefined): Coin => ({
  denom: coin?.denom ?? "",
  amount: BigInt(coin?.amount || "0"),
});

export function paramsToProto(params: MarketParams): sensorchain.market.v1.IParams {
  return {
    stakeDenom: params.stakeDenom,
    minListingStake: params.minListingStake.toString(),
    minChallengeStake: params.minChallengeStake.toString(),
    challengeThreshold: params.challengeThreshold,
    delistCooldownBlocks: long(params.delistCooldownBlocks),
    gatewayBps: Number(params.gatewayBps),
    platformBps: Number(params.platformBps),
    slashPlatformBps: Number(params.slashPlatformBps),
  };
}

/** Decodes stored params without checks (validation.ts checkParams checks genesis input). */
export function paramsFromProto(message: sensorchain.market.v1.IParams): MarketParams {
  return {
    stakeDenom: message.stakeDenom ?? "",
    minListingStake: BigInt(message.minListingStake || "0"),
    minChallengeStake: BigInt(message.minChallengeStake || "0"),
    challengeThreshold: message.challengeThreshold ?? 0,
    delistCooldownBlocks: toBigInt(message.delistCooldownBlocks),
    gatewayBps: BigInt(message.gatewayBps ?? 0),
    platformBps: BigInt(message.platformBps ?? 0),
    slashPlatformBps: BigInt(message.slashPlatformBps ?? 0),
  };
}

export function listingToProto(listing: Listing): sensorchain.market.v1.IListing {
  return {
    id: long(listing.id),
    seller: listing.seller,
    deviceId: listing.deviceId,
    stake: coinToProto(listing.stake),
    price: coinToProto(listing.price),
    periodSeconds: long(listing.periodSeconds),
    status: LISTING_STATUSES[listing.status],
    disputed: listing.disputed,
    createdHeight: long(listing.createdHeight),
    withdrawHeight: long(listing.withdrawHeight),
    openChallenges: listing.openChallenges,
    challengeStake: listing.challengeStake.toString(),
    purchases: long(listing.purchases),
  };
}

/** A stored or genesis listing; throws on an unknown status (a broken state or a bad genesis). */
export function listingFromProto(message: sensorchain.market.v1.IListing): Listing {
  const status = listingStatusName(message.status);
  if (status === undefined) throw new Error(`listing ${toBigInt(message.id)}: unknown status`);
  return {
    id: toBigInt(message.id),
    seller: message.seller ?? "",
    deviceId: message.deviceId ?? "",
    stake: coinFromProto(message.stake),
    price: coinFromProto(message.price),
    periodSeconds: toBigInt(message.periodSeconds),
    status,
    disputed: message.disputed ?? false,
    createdHeight: toBigInt(message.createdHeight),
    withdrawHeight: toBigInt(message.withdrawHeight),
    openChallenges: message.openChallenges ?? 0,
    challengeStake: BigInt(message.challengeStake || "0"),
    purchases: toBigInt(message.purchases),
  };
}

export function grantToProto(grant: AccessGrant): sensorchain.market.v1.IAccessGrant {
  return {
    id: long(grant.id),
    listingId: long(grant.listingId),
    buyer: grant.buyer,
    deviceId: grant.deviceId,
    gateway: grant.gateway,
    startTime: long(grant.startTime),
    endTime: long(grant.endTime),
    paid: coinToProto(grant.paid),
    height: long(grant.height),
  };
}

export function grantFromProto(message: sensorchain.market.v1.IAccessGrant): AccessGrant {
  return {
    id: toBigInt(message.id),
    listingId: toBigInt(message.listingId),
    buyer: message.buyer ?? "",
    deviceId: message.deviceId ?? "",
    gateway: message.gateway ?? "",
    startTime: toBigInt(message.startTime),
    endTime: toBigInt(message.endTime),
    paid: coinFromProto(message.paid),
    height: toBigInt(message.height),
  };
}

export function challengeToProto(challenge: Challenge): sensorchain.market.v1.IChallenge {
  return {
    listingId: long(challenge.listingId),
    challenger: challenge.challenger,
    stake: challenge.stake.toString(),
    reason: challenge.reason,
    height: long(challenge.height),
  };
}

export function challengeFromProto(message: sensorchain.market.v1.IChallenge): Challenge {
  return {
    listingId: toBigInt(message.listingId),
    challenger: message.challenger ?? "",
    stake: BigInt(message.stake || "0"),
    reason: message.reason ?? "",
    height: toBigInt(message.height),
  };
}

export function disputeToProto(dispute: Dispute): sensorchain.market.v1.IDispute {
  return { listingId: long(dispute.listingId), openedHeight: long(dispute.openedHeight) };
}

export function disputeFromProto(message: sensorchain.market.v1.IDispute): Dispute {
  return { listingId: toBigInt(message.listingId), openedHeight: toBigInt(message.openedHeight) };
}

export function voteToProto(vote: DisputeVote): sensorchain.market.v1.IDisputeVote {
  return {
    listingId: long(vote.listingId),
    arbiter: vote.arbiter,
    verdict: VERDICTS[vote.verdict],
    height: long(vote.height),
  };
}

export function voteFromProto(message: sensorchain.market.v1.IDisputeVote): DisputeVote {
  const verdict = verdictName(message.verdict);
  if (verdict === undefined)
    throw new Error(`vote on listing ${toBigInt(message.listingId)}: unknown verdict`);
  return {
    listingId: toBigInt(message.listingId),
    arbiter: message.arbiter ?? "",
    verdict,
    height: toBigInt(message.height),
  };
}

/** encode/decode pairs over the canonical bytes of each record. */
function codec<Value, Message extends object>(
  type: { encode(message: Message): { finish(): Uint8Array }; decode(bytes: Uint8Array): Message },
  to: (value: Value) => Message,
  from: (message: Message) => Value,
) {
  return {
    encode: (value: Value): Uint8Array => encodeCanonical(type, to(value)),
    decode: (bytes: Uint8Array): Value => from(type.decode(bytes)),
  };
}

export const paramsCodec = codec<MarketParams, InstanceType<v1["Params"]>>(
  pb.Params,
  (value) => paramsToProto(value) as InstanceType<v1["Params"]>,
  paramsFromProto,
);
export const listingCodec = codec<Listing, InstanceType<v1["Listing"]>>(
  pb.Listing,
  (value) => listingToProto(value) as InstanceType<v1["Listing"]>,
  listingFromProto,
);
export const grantCodec = codec<AccessGrant, InstanceType<v1["AccessGrant"]>>(
  pb.AccessGrant,
  (value) => grantToProto(value) as InstanceType<v1["AccessGrant"]>,
  grantFromProto,
);
export const challengeCodec = codec<Challenge, InstanceType<v1["Challenge"]>>(
  pb.Challenge,
  (value) => challengeToProto(value) as InstanceType<v1["Challenge"]>,
  challengeFromProto,
);
export const disputeCodec = codec<Dispute, InstanceType<v1["Dispute"]>>(
  pb.Dispute,
  (value) => disputeToProto(value) as InstanceType<v1["Dispute"]>,
  disputeFromProto,
);
export const voteCodec = codec<DisputeVote, InstanceType<v1["DisputeVote"]>>(
  pb.DisputeVote,
  (value) => voteToProto(value) as InstanceType<v1["DisputeVote"]>,
  voteFromProto,
);
