// x/bank messages: MsgSend (cosmjs sendTokens). Thin: checks then BankKeeper.sendCoins.
import { MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { parseCoins } from "../../chain/app/coins.ts";
import { sdkError } from "../../chain/app/errors.ts";
import type { AnyMsgHandler, Context, MsgHandler, MsgResponse } from "../../chain/app/module.ts";
import {
  type ProtoCursor,
  readAsciiString,
  readCoin,
  readCommonShape,
  readSmallVarint,
  UNUSUAL,
} from "../../chain/app/proto-reader.ts";
import { isValidAddress } from "../../chain/crypto/bech32.ts";
import { blockedRecipient, sendDisabled } from "./errors.ts";
import type { BankKeeper } from "./keeper.ts";

export const MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend";
export const MSG_SEND_RESPONSE_TYPE_URL = "/cosmos.bank.v1beta1.MsgSendResponse";
const MSG_SEND_RESPONSE: MsgResponse = {
  typeUrl: MSG_SEND_RESPONSE_TYPE_URL,
  value: MsgSendResponse.encode({}).finish(),
};

export function bankMsgs(keeper: BankKeeper): Record<string, AnyMsgHandler> {
  const msgSend: MsgHandler<MsgSend> = {
    decode: (bytes) => decodeCommonMsgSend(bytes) ?? MsgSend.decode(bytes),
    validateBasic(msg) {
      if (!isValidAddress(msg.fromAddress))
        throw sdkError("invalidAddress", `invalid from address: ${JSON.stringify(msg.fromAddress)}`);
      if (!isValidAddress(msg.toAddress))
        throw sdkError("invalidAddress", `invalid to address: ${JSON.stringify(msg.toAddress)}`);
      parseCoins(msg.amount, false);
    },
    signers: (msg) => [msg.fromAddress],
    handle(ctx: Context, msg) {
      const coins = parseCoins(msg.amount, false);
      for (const coin of coins) if (!keeper.isSendEnabled(ctx, coin.denom)) throw sendDisabled(coin.denom);
      if (keeper.accounts.isModuleAddress(msg.toAddress)) throw blockedRecipient(msg.toAddress);
      keeper.sendCoins(ctx, msg.fromAddress, msg.toAddress, coins);
      return MSG_SEND_RESPONSE;
    },
  };
  return { [MSG_SEND_TYPE_URL]: msgSend };
}

/** MsgSend as MsgSend.decode yields it, for ASCII addresses and coins and no unknown fields (every
 * wallet's); undefined otherwise, and cosmjs-types decodes it (test/app/tx-decode.test.ts). */
export function decodeCommonMsgSend(bytes: Uint8Array): MsgSend | undefined {
  const cursor: ProtoCursor = { bytes, position: 0 };
  const end = bytes.length;
  return readCommonShape(() => {
    const msg: MsgSend = { fromAddress: "", toAddress: "", amount: [] };
    while (cursor.position < end) {
      const tag = readSmallVarint(cursor, end);
      if (tag === 10) msg.fromAddress = readAsciiString(cursor, end);
      else if (tag === 18) msg.toAddress = readAsciiString(cursor, end);
      // A first coin as a one-element list (pushed into an empty one it gets room for 17): the
      // message lives with its pending tx.
      else if (tag === 26) {
        if (msg.amount.length === 0) msg.amount = [readCoin(cursor, end)];
        else msg.amount.push(readCoin(cursor, end));
      } else throw UNUSUAL;
    }
    return msg;
  });
}
