// Message handlers of the escrow module: decode, stateless checks (validation.ts), signer, then one
// keeper call. The rules live in the keeper.
import type { AnyMsgHandler, MsgHandler, MsgResponse } from "../../chain/app/module.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/escrow.js";
import { toBigInt } from "../proto-values.ts";
import { pb } from "./codec.ts";
import { escrowError } from "./errors.ts";
import type { EscrowKeeper } from "./keeper.ts";
import {
  MSG_CLOSE_ESCROW,
  MSG_OPEN_ESCROW,
  MSG_REFUND_ESCROW,
  MSG_RELEASE_ESCROW,
  MSG_SPEND_PLATFORM_POOL,
  MSG_TOP_UP_ESCROW,
  MSG_UPDATE_ESCROW_PARAMS,
  MSG_WITHDRAW_EARNINGS,
} from "./type-urls.ts";
import {
  checkAddress,
  checkCoin,
  checkCommandTerms,
  checkDeviceId,
  checkEscrowId,
  checkMode,
  checkParams,
} from "./validation.ts";

type v1 = typeof sensorchain.escrow.v1;
type Msg<Name extends keyof v1> = v1[Name] extends abstract new (...args: never[]) => infer T ? T : never;

const response = (typeUrl: string, value: Uint8Array = new Uint8Array(0)): MsgResponse => ({
  typeUrl: `${typeUrl}Response`,
  value,
});

const wireCoin = (coin: { denom: string; amount: bigint }) => ({
  denom: coin.denom,
  amount: coin.amount.toString(),
});

function openTerms(msg: Msg<"MsgOpenEscrow">) {
  const mode = checkMode(msg.mode);
  const deposit = checkCoin(msg.deposit, "deposit", true);
  const price = checkCoin(
    msg.price ?? { denom: deposit.denom, amount: "0" },
    "price",
    mode === "per_reading",
  );
  if (price.denom !== deposit.denom)
    throw escrowError(
      "invalidTerms",
      `price denom ${price.denom} differs from deposit denom ${deposit.denom}`,
    );
  const expiryTime = toBigInt(msg.expiryTime);
  if (expiryTime <= 0n)
    throw escrowError("invalidTerms", "expiry_time must be a positive Unix time in seconds");
  const command = checkCommandTerms(msg.command);
  if (command !== undefined) {
    // The price pays for the command window and is released at open (README.md, Command terms).
    if (mode !== "manual") throw escrowError("invalidCommand", "command terms need a MANUAL escrow");
    if (price.amount === 0n) throw escrowError("invalidCommand", "a command needs a positive price");
    if (price.amount > deposit.amount)
      throw escrowError(
        "invalidCommand",
        `price ${price.amount} of the command is above the deposit ${deposit.amount}`,
      );
  }
  return {
    mode,
    deposit,
    price: price.amount,
    expiryTime,
    periodSeconds: toBigInt(msg.periodSeconds),
    ...(command === undefined ? {} : { command }),
  };
}

export function escrowMsgs(keeper: EscrowKeeper): Record<string, AnyMsgHandler> {
  const open: MsgHandler<Msg<"MsgOpenEscrow">> = {
    decode: (bytes) => pb.MsgOpenEscrow.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.consumer, "consumer");
      checkDeviceId(msg.deviceId);
      checkAddress(msg.releaseAuthority, "release_authority");
      openTerms(msg);
    },
    signers: (msg) => [msg.consumer],
    async handle(ctx, msg) {
      const escrow = await keeper.open(ctx, {
        consumer: msg.consumer,
        deviceId: msg.deviceId,
        releaseAuthority: msg.releaseAuthority,
        ...openTerms(msg),
      });
      return response(
        MSG_OPEN_ESCROW,
        encodeCanonical(pb.MsgOpenEscrowResponse, { escrowId: toLong(escrow.id) }),
      );
    },
  };
  const topUp: MsgHandler<Msg<"MsgTopUpEscrow">> = {
    decode: (bytes) => pb.MsgTopUpEscrow.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.consumer, "consumer");
      checkEscrowId(msg.escrowId);
      checkCoin(msg.amount, "amount", true);
      if (toBigInt(msg.expiryTime) < 0n) throw escrowError("invalidTerms", "expiry_time is negative");
    },
    signers: (msg) => [msg.consumer],
    handle(ctx, msg) {
      keeper.topUp(
        ctx,
        msg.consumer,
        toBigInt(msg.escrowId),
        checkCoin(msg.amount, "amount", true),
        toBigInt(msg.expiryTime),
      );
      return response(MSG_TOP_UP_ESCROW);
    },
  };
  const release: MsgHandler<Msg<"MsgReleaseEscrow">> = {
    decode: (bytes) => pb.MsgReleaseEscrow.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.signer, "signer");
      checkEscrowId(msg.escrowId);
      checkCoin(msg.amount, "amount", true);
    },
    signers: (msg) => [msg.signer],
    handle(ctx, msg) {
      const shares = keeper.release(
        ctx,
        msg.signer,
        toBigInt(msg.escrowId),
        checkCoin(msg.amount, "amount", true),
      );
      const denom = shares.denom;
      return response(
        MSG_RELEASE_ESCROW,
        encodeCanonical(pb.MsgReleaseEscrowResponse, {
          ownerShare: wireCoin({ denom, amount: shares.ownerShare }),
          gatewayShare: wireCoin({ denom, amount: shares.gatewayShare }),
          platformShare: wireCoin({ denom, amount: shares.platformShare }),
          owner: shares.owner,
          gateway: shares.gateway,
        }),
      );
    },
  };
  const close: MsgHandler<Msg<"MsgCloseEscrow">> = {
    decode: (bytes) => pb.MsgCloseEscrow.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.consumer, "consumer");
      checkEscrowId(msg.escrowId);
    },
    signers: (msg) => [msg.consumer],
    handle(ctx, msg) {
      keeper.close(ctx, msg.consumer, toBigInt(msg.escrowId));
      return response(MSG_CLOSE_ESCROW);
    },
  };
  const refund: MsgHandler<Msg<"MsgRefundEscrow">> = {
    decode: (bytes) => pb.MsgRefundEscrow.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.consumer, "consumer");
      checkEscrowId(msg.escrowId);
    },
    signers: (msg) => [msg.consumer],
    handle(ctx, msg) {
      const refunded = keeper.refund(ctx, msg.consumer, toBigInt(msg.escrowId));
      return response(
        MSG_REFUND_ESCROW,
        encodeCanonical(pb.MsgRefundEscrowResponse, { refunded: wireCoin(refunded) }),
      );
    },
  };
  const withdraw: MsgHandler<Msg<"MsgWithdrawEarnings">> = {
    decode: (bytes) => pb.MsgWithdrawEarnings.decode(bytes),
    validateBasic: (msg) => void checkAddress(msg.owner, "owner"),
    signers: (msg) => [msg.owner],
    async handle(ctx, msg) {
      const coins = await keeper.withdraw(ctx, msg.owner);
      return response(
        MSG_WITHDRAW_EARNINGS,
        encodeCanonical(pb.MsgWithdrawEarningsResponse, { amount: coins.map(wireCoin) }),
      );
    },
  };
  const updateParams: MsgHandler<Msg<"MsgUpdateParams">> = {
    decode: (bytes) => pb.MsgUpdateParams.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.authority, "authority");
      checkParams(msg.params);
    },
    signers: (msg) => [msg.authority],
    handle(ctx, msg) {
      keeper.updateParams(ctx, msg.authority, checkParams(msg.params));
      return response(MSG_UPDATE_ESCROW_PARAMS);
    },
  };
  const spend: MsgHandler<Msg<"MsgSpendPlatformPool">> = {
    decode: (bytes) => pb.MsgSpendPlatformPool.decode(bytes),
    validateBasic(msg) {
      checkAddress(msg.authority, "authority");
      checkAddress(msg.recipient, "recipient");
      if (msg.amount.length === 0) throw escrowError("invalidAmount", "amount is empty");
      for (const [i, coin] of msg.amount.entries()) checkCoin(coin, `amount[${i}]`, true);
    },
    signers: (msg) => [msg.authority],
    handle(ctx, msg) {
      const coins = msg.amount.map((coin, i) => checkCoin(coin, `amount[${i}]`, true));
      coins.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
      keeper.spendPlatformPool(ctx, msg.authority, msg.recipient, coins);
      return response(MSG_SPEND_PLATFORM_POOL);
    },
  };
  return {
    [MSG_OPEN_ESCROW]: open,
    [MSG_TOP_UP_ESCROW]: topUp,
    [MSG_RELEASE_ESCROW]: release,
    [MSG_CLOSE_ESCROW]: close,
    [MSG_REFUND_ESCROW]: refund,
    [MSG_WITHDRAW_EARNINGS]: withdraw,
    [MSG_UPDATE_ESCROW_PARAMS]: updateParams,
    [MSG_SPEND_PLATFORM_POOL]: spend,
  };
}
