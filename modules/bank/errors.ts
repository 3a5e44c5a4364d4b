// x/bank failure cases: the SDK's root errors plus bank's own codespace "bank" (x/bank/types/errors.go).

import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import { type AbciError, moduleError, sdkError } from "../../chain/app/errors.ts";

export const BANK_CODESPACE = "bank";

export function sendDisabled(denom: string): AbciError {
  return moduleError(
    BANK_CODESPACE,
    5,
    "send transactions are disabled",
    `${denom} transfers are currently disabled`,
  );
}

export function insufficientFunds(spendable: Coin, required: Coin): AbciError {
  return sdkError(
    "insufficientFunds",
    `spendable balance ${formatCoins([spendable])} is smaller than ${formatCoins([required])}`,
  );
}

export function blockedRecipient(address: string): AbciError {
  return sdkError("unauthorized", `${address} is not allowed to receive funds`);
}
