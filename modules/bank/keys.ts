// State layout of x/bank in store "bank" (README.md documents it byte by byte).
import { decodeAddress, encodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "bank";
export const STORE_NAME = "bank";
export const DEFAULT_NATIVE_DENOM = "usensor";

/** 0x00 | denom → total supply, decimal string. */
export const SUPPLY_PREFIX = 0x00;
/** 0x01 | denom → cosmos.bank.v1beta1.Metadata (protobuf). */
export const DENOM_METADATA_PREFIX = 0x01;
/** 0x02 | len(address) | address | denom → balance, decimal string (zero balances are deleted). */
export const BALANCES_PREFIX = 0x02;
/** 0x04 | denom → 0x01 (send enabled) or 0x00 (disabled), overriding params.default_send_enabled. */
export const SEND_ENABLED_PREFIX = 0x04;
/** 0x05 → cosmos.bank.v1beta1.Params (protobuf; send_enabled inside is deprecated and empty). */
export const PARAMS_KEY = Uint8Array.of(0x05);
/** 0x06 → native (fee) denom, UTF-8. Our addition to the SDK layout. */
export const NATIVE_DENOM_KEY = Uint8Array.of(0x06);

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function denomKey(prefix: number, denom: string): Uint8Array {
  // A copy: callers own what they get.
  return sharedDenomKey(prefix, denom).slice();
}

/** denomKey without the copy (see sharedBalanceKey): every MsgSend reads its denom's send-enabled
 * flag, so the few keys there are (see encodeDenom) are kept. */
export function sharedDenomKey(prefix: number, denom: string): Uint8Array {
  const byDenom = denomKeys[prefix];
  const cached = byDenom?.get(denom);
  if (cached !== undefined) return cached;
  const key = concatBytes(Uint8Array.of(prefix), encodeDenom(denom));
  if (byDenom !== undefined && byDenom.size < MAX_CACHED_DENOMS) byDenom.set(denom, key);
  return key;
}

/** denomKey results of the prefixes read per tx (supply, send-enabled), by prefix then denom. */
const denomKeys: Record<number, Map<string, Uint8Array>> = {
  [SUPPLY_PREFIX]: new Map(),
  [SEND_ENABLED_PREFIX]: new Map(),
};

export function denomFromKey(key: Uint8Array, prefixLength: number): string {
  return utf8Decoder.decode(key.subarray(prefixLength));
}

export function addressBalancesPrefix(addressBytes: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(BALANCES_PREFIX, addressBytes.length), addressBytes);
}

/** Denoms are few (native plus a handful), so their UTF-8 bytes are kept; bounded all the same. */
const MAX_CACHED_DENOMS = 1_024;
const denomBytes = new Map<string, Uint8Array>();

function encodeDenom(denom: string): Uint8Array {
  let bytes = denomBytes.get(denom);
  if (bytes === undefined) {
    bytes = utf8.encode(denom);
    if (denomBytes.size < MAX_CACHED_DENOMS) denomBytes.set(denom, bytes);
  }
  return bytes;
}

/** Balance keys of recent (denom, address) pairs: a mempool's and a block's payers and recipients
 * with headroom; emptied when full. Every fee and transfer reads and writes two balances. */
const MAX_CACHED_BALANCE_KEYS = 20_000;
const balanceKeys = new Map<string, Map<string, Uint8Array>>();
let cachedBalanceKeys = 0;

/** 0x02 | len | address | denom. */
export function balanceKey(address: string, denom: string): Uint8Array {
  // A copy: callers own what they get.
  return sharedBalanceKey(address, denom).slice();
}

/** balanceKey without the copy, for the keeper's reads and writes (the store keeps it as it is, setOwned):
 * the caller must not write to it. Two per coin moved; the copies were ~4% of the pipeline's garbage. */
export function sharedBalanceKey(address: string, denom: string): Uint8Array {
  let byAddress = balanceKeys.get(denom);
  const cached = byAddress?.get(address);
  if (cached !== undefined) return cached;
  const addressBytes = decodeAddress(address);
  const denomPart = encodeDenom(denom);
  const key = new Uint8Array(2 + addressBytes.length + denomPart.length);
  key[0] = BALANCES_PREFIX;
  key[1] = addressBytes.length;
  key.set(addressBytes, 2);
  key.set(denomPart, 2 + addressBytes.length);
  if (cachedBalanceKeys >= MAX_CACHED_BALANCE_KEYS) {
    balanceKeys.clear();
    cachedBalanceKeys = 0;
    byAddress = undefined;
  }
  if (byAddress === undefined) {
    byAddress = new Map();
    balanceKeys.set(denom, byAddress);
  }
  byAddress.set(address, key);
  cachedBalanceKeys++;
  return key;
}

/** Splits 0x02 | len | address | denom. */
export function parseBalanceKey(key: Uint8Array): { address: string; denom: string } {
  const length = key[1]!;
  return {
    address: encodeAddress(key.subarray(2, 2 + length)),
    denom: utf8Decoder.decode(key.subarray(2 + length)),
  };
}

// Amounts are read and written for every fee and transfer: decimal digits are ASCII, so they are
// copied byte by byte instead of through TextEncoder/TextDecoder (same bytes, same values).
export function encodeAmount(amount: bigint): Uint8Array {
  const text = amount.toString();
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

export function decodeAmount(bytes: Uint8Array): bigint {
  let text = "";
  for (const byte of bytes) {
    // Anything but digits takes the general path (and its errors).
    if (byte < DIGIT_0 || byte > DIGIT_9) return BigInt(utf8Decoder.decode(bytes));
    text += String.fromCharCode(byte);
  }
  return BigInt(text);
}
