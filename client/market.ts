// Client side of the market module: type URLs, the protobuf message classes and their TypeScript
// shapes, and the registry entries.
import type { GeneratedType } from "@cosmjs/proto-signing";
import {
  MSG_BUY_ACCESS,
  MSG_CHALLENGE_LISTING,
  MSG_CREATE_LISTING,
  MSG_DELIST,
  MSG_INCREASE_STAKE,
  MSG_UPDATE_LISTING,
  MSG_VOTE_DISPUTE,
  MSG_WITHDRAW_STAKE,
} from "../modules/market/type-urls.ts";
import { sensorchain } from "../proto/gen/market.js";
import { canonicalType } from "./canonical-type.ts";

export * from "../modules/market/type-urls.ts";

/** Generated classes: encode/decode/fromObject/toObject of every market message, query and enum. */
export const market = sensorchain.market.v1;
export const { ListingStatus, Verdict } = sensorchain.market.v1;

export type MsgCreateListing = sensorchain.market.v1.IMsgCreateListing;
export type MsgUpdateListing = sensorchain.market.v1.IMsgUpdateListing;
export type MsgIncreaseStake = sensorchain.market.v1.IMsgIncreaseStake;
export type MsgBuyAccess = sensorchain.market.v1.IMsgBuyAccess;
export type MsgChallengeListing = sensorchain.market.v1.IMsgChallengeListing;
export type MsgVoteDispute = sensorchain.market.v1.IMsgVoteDispute;
export type MsgDelist = sensorchain.market.v1.IMsgDelist;
export type MsgWithdrawStake = sensorchain.market.v1.IMsgWithdrawStake;
export type ListingRecord = sensorchain.market.v1.IListing;
export type AccessGrantRecord = sensorchain.market.v1.IAccessGrant;

/** [type URL, cosmjs GeneratedType] for every market message, as Registry's constructor takes them. */
export const marketTypes: [string, GeneratedType][] = [
  [MSG_CREATE_LISTING, canonicalType(market.MsgCreateListing)],
  [MSG_UPDATE_LISTING, canonicalType(market.MsgUpdateListing)],
  [MSG_INCREASE_STAKE, canonicalType(market.MsgIncreaseStake)],
  [MSG_BUY_ACCESS, canonicalType(market.MsgBuyAccess)],
  [MSG_CHALLENGE_LISTING, canonicalType(market.MsgChallengeListing)],
  [MSG_VOTE_DISPUTE, canonicalType(market.MsgVoteDispute)],
  [MSG_DELIST, canonicalType(market.MsgDelist)],
  [MSG_WITHDRAW_STAKE, canonicalType(market.MsgWithdrawStake)],
];
