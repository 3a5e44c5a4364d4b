// Raw store keys behind the queries the light client verifies. They mirror modules/*/keys.ts byte
// for byte (test/light-client/queries.test.ts checks that), restated here because those files
// import node:crypto and this folder must run in a browser.
import { fromBech32 } from "@cosmjs/encoding";
import { concatBytes } from "../chain/types/bytes.ts";
import { LightClientError } from "./errors.ts";

/** x/auth store "acc": 0x01 | address → google.protobuf.Any(BaseAccount | ModuleAccount). */
export const AUTH_STORE = "acc";
export const ACCOUNT_PREFIX = 0x01;
/** x/bank store "bank": 0x02 | len(address) | address | denom → amount, decimal string. */
export const BANK_STORE = "bank";
export const BALANCES_PREFIX = 0x02;
/** x/bank 0x06 → the native (fee) denom, UTF-8. */
export const NATIVE_DENOM_KEY = Uint8Array.of(0x06);
/** Bech32 strings are at most 90 characters (BIP-173). */
const BECH32_LIMIT = 90;

const utf8 = new TextEncoder();

export function addressBytes(address: string): Uint8Array {
  try {
    return fromBech32(address, BECH32_LIMIT).data;
  } catch (error) {
    throw new LightClientError(
      "query_failed",
      `invalid address ${JSON.stringify(address)}`,
      {},
      { cause: error },
    );
  }
}

export function accountStoreKey(address: string): Uint8Array {
  return concatBytes(Uint8Array.of(ACCOUNT_PREFIX), addressBytes(address));
}

export function balanceStoreKey(address: string, denom: string): Uint8Array {
  const bytes = addressBytes(address);
  return concatBytes(Uint8Array.of(BALANCES_PREFIX, bytes.length), bytes, utf8.encode(denom));
}
