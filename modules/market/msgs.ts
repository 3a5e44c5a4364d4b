// Message handlers of the market module: decode, stateless checks, signer, then one keeper call.
// The rules live in the keeper.
import type { AnyMsgHandler, Context, MsgHandler, MsgResponse } from "../../chain/app/module.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/market.js";
import { pb } from "./codec.ts";
import type { MarketKeeper } from "./keeper.ts";
import {
  MSG_BUY_ACCESS,
  MSG_CHALLENGE_LISTING,
  MSG_CREATE_LISTING,
  MSG_DELIST,
  MSG_INCREASE_STAKE,
  MSG_UPDATE_LISTING,
  MSG_VOTE_DISPUTE,
  MSG_WITHDRAW_STAKE,
} from "./type-urls.ts";
import {
  checkAddress,
  checkCoin,
  checkDeviceId,
  checkId,
  checkPeriodSeconds,
  checkPeriods,
  checkReason,
  checkVerdict,
} from "./validation.ts";

type v1 = typeof sensorchain.market.v1;

const response = (typeUrl: string, value: Uint8Array = new Uint8Array(0)): MsgResponse => ({
  typeUrl: `${typeUrl}Response`,
  value,
});

/** A handler whose signer is the address in `signerField`; `listing_id` is checked for all but create. */
function handler<Msg extends object>(
  type: { decode(bytes: Uint8Array): Msg },
  signer: (msg: Msg) => string | null | undefined,
  signerField: string,
  checkRest: (msg: Msg) => void,
  handle: (ctx: Context, signer: string, id: bigint, msg: Msg) => MsgResponse | Promise<MsgResponse>,
  needsListing = true,
): MsgHandler<Msg> {
  return {
    decode: (bytes) => type.decode(bytes),
    validateBasic(msg) {
      checkAddress(signer(msg), signerField);
      if (needsListing) checkId((msg as { listingId?: never }).listingId, "listing_id");
      checkRest(msg);
    },
    signers: (msg) => [signer(msg) ?? ""],
    handle: (ctx, msg) =>
      handle(
        ctx,
        signer(msg) ?? "",
        needsListing ? checkId((msg as { listingId?: never }).listingId, "listing_id") : 0n,
        msg,
      ),
  };
}

export function marketMsgs(keeper: MarketKeeper): Record<string, AnyMsgHandler> {
  const create = handler<InstanceType<v1["MsgCreateListing"]>>(
    pb.MsgCreateListing,
    (msg) => msg.seller,
    "seller",
    (msg) => {
      checkDeviceId(msg.deviceId);
      checkCoin(msg.stake, "stake", 1n);
      checkCoin(msg.price, "price", 0n);
      checkPeriodSeconds(msg.periodSeconds);
    },
    (ctx, seller, _id, msg) => {
      const listing = keeper.createListing(ctx, {
        seller,
        deviceId: msg.deviceId,
        stake: checkCoin(msg.stake, "stake", 1n),
        price: checkCoin(msg.price, "price", 0n),
        periodSeconds: checkPeriodSeconds(msg.periodSeconds),
      });
      return response(
        MSG_CREATE_LISTING,
        encodeCanonical(pb.MsgCreateListingResponse, { listingId: toLong(listing.id) }),
      );
    },
    false,
  );
  const update = handler<InstanceType<v1["MsgUpdateListing"]>>(
    pb.MsgUpdateListing,
    (msg) => msg.seller,
    "seller",
    (msg) => void checkCoin(msg.price, "price", 0n),
    (ctx, seller, id, msg) => {
      keeper.updateListing(ctx, seller, id, checkCoin(msg.price, "price", 0n));
      return response(MSG_UPDATE_LISTING);
    },
  );
  const increase = handler<InstanceType<v1["MsgIncreaseStake"]>>(
    pb.MsgIncreaseStake,
    (msg) => msg.seller,
    "seller",
    (msg) => void checkCoin(msg.amount, "amount", 1n),
    (ctx, seller, id, msg) => {
      keeper.increaseStake(ctx, seller, id, checkCoin(msg.amount, "amount", 1n));
      return response(MSG_INCREASE_STAKE);
    },
  );
  const buy = handler<InstanceType<v1["MsgBuyAccess"]>>(
    pb.MsgBuyAccess,
    (msg) => msg.buyer,
    "buyer",
    (msg) => {
      checkPeriods(msg.periods);
      checkAddress(msg.gateway, "gateway");
    },
    async (ctx, buyer, id, msg) => {
      const grant = await keeper.buyAccess(ctx, buyer, id, checkPeriods(msg.periods), msg.gateway);
      return response(
        MSG_BUY_ACCESS,
        encodeCanonical(pb.MsgBuyAccessResponse, {
          grantId: toLong(grant.id),
          startTime: toLong(grant.startTime),
          endTime: toLong(grant.endTime),
        }),
      );
    },
  );
  const challenge = handler<InstanceType<v1["MsgChallengeListing"]>>(
    pb.MsgChallengeListing,
    (msg) => msg.challenger,
    "challenger",
    (msg) => {
      checkCoin(msg.stake, "stake", 1n);
      checkReason(msg.reason);
    },
    (ctx, challenger, id, msg) => {
      const opened = keeper.challenge(
        ctx,
        challenger,
        id,
        checkCoin(msg.stake, "stake", 1n),
        checkReason(msg.reason),
      );
      return response(
        MSG_CHALLENGE_LISTING,
        encodeCanonical(pb.MsgChallengeListingResponse, { disputeOpened: opened }),
      );
    },
  );
  const vote = handler<InstanceType<v1["MsgVoteDispute"]>>(
    pb.MsgVoteDispute,
    (msg) => msg.arbiter,
    "arbiter",
    (msg) => void checkVerdict(msg.verdict),
    async (ctx, arbiter, id, msg) => {
      const outcome = await keeper.vote(ctx, arbiter, id, checkVerdict(msg.verdict));
      return response(
        MSG_VOTE_DISPUTE,
        encodeCanonical(pb.MsgVoteDisputeResponse, { resolved: outcome.resolved }),
      );
    },
  );
  const delist = handler<InstanceType<v1["MsgDelist"]>>(
    pb.MsgDelist,
    (msg) => msg.seller,
    "seller",
    () => {},
    (ctx, seller, id) => {
      const withdrawHeight = keeper.delist(ctx, seller, id);
      return response(
        MSG_DELIST,
        encodeCanonical(pb.MsgDelistResponse, { withdrawHeight: toLong(withdrawHeight) }),
      );
    },
  );
  const withdraw = handler<InstanceType<v1["MsgWithdrawStake"]>>(
    pb.MsgWithdrawStake,
    (msg) => msg.seller,
    "seller",
    () => {},
    async (ctx, seller, id) => {
      await keeper.withdrawStake(ctx, seller, id);
      return response(MSG_WITHDRAW_STAKE);
    },
  );
  return {
    [MSG_CREATE_LISTING]: create,
    [MSG_UPDATE_LISTING]: update,
    [MSG_INCREASE_STAKE]: increase,
    [MSG_BUY_ACCESS]: buy,
    [MSG_CHALLENGE_LISTING]: challenge,
    [MSG_VOTE_DISPUTE]: vote,
    [MSG_DELIST]: delist,
    [MSG_WITHDRAW_STAKE]: withdraw,
  };
}
