// State layout of the escrow module in store "escrow" (README.md documents it byte by byte) and the
// bounds on what an escrow may hold.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";
import { encodeUint64 } from "../auth/keys.ts";

export const MODULE_NAME = "escrow";
export const STORE_NAME = "escrow";
/** Module account that receives the platform share of every release; the consortium (the params
 * authority) spends it with MsgSpendPlatformPool. */
export const PLATFORM_POOL_MODULE = "escrow_platform_pool";

/** 0x00 → sensorchain.escrow.v1.Params. */
export const PARAMS_KEY = Uint8Array.of(0x00);
/** 0x01 → next escrow id, uint64 big-endian. */
export const NEXT_ID_KEY = Uint8Array.of(0x01);
/** 0x02 | id (8, BE) → sensorchain.escrow.v1.Escrow. */
export const ESCROW_PREFIX = 0x02;
/** 0x03 | len(consumer) | consumer bytes | id (8) → 0x01. */
export const CONSUMER_INDEX_PREFIX = 0x03;
/** 0x04 | len(device id) | device id | id (8) → 0x01 (every escrow of a device). */
export const DEVICE_INDEX_PREFIX = 0x04;
/** 0x05 | len(device id) | device id | id (8) → 0x01 (open PER_READING escrows: the meter hook's list). */
export const PER_READING_INDEX_PREFIX = 0x05;
/** 0x06 | len(address) | address bytes | denom (ASCII) → amount (decimal ASCII): unpaid earnings. */
export const EARNINGS_PREFIX = 0x06;
/** 0x07 → bech32 address (UTF-8) allowed to update params and spend the platform pool. */
export const AUTHORITY_KEY = Uint8Array.of(0x07);
/** 0x08 | command end time (8, BE, Unix s) | id (8) → 0x01: escrows with a paid command, by the end
 * of its window (the ActiveCommands query a bridge asks at start). */
export const COMMAND_INDEX_PREFIX = 0x08;

export const INDEX_MARKER = Uint8Array.of(0x01);

/** Basis points in a whole: the three shares of a release sum to this. */
export const BPS_DENOMINATOR = 10_000n;
/** Open PER_READING escrows per device: each one is paid inside the attestation that finalizes a
 * commitment, whose sender pays that gas; 32 keeps it under ~1M gas. */
export const MAX_PER_READING_ESCROWS_PER_DEVICE = 32;
/** Longest escrow, from the opening block's time: ten years in seconds (a typo guard, not policy). */
export const MAX_ESCROW_DURATION_SECONDS = 10n * 366n * 86_400n;
/** Largest command payload, bytes: an actuator instruction (a setpoint, a scene), not a firmware
 * image; it is kept in state forever and sent retained to every validator's devices. */
export const MAX_COMMAND_PAYLOAD_BYTES = 256;
/** Longest paid command window, seconds (31 days): longer rentals are several escrows, and a bridge
 * keeps every window that has not ended in its schedule. */
export const MAX_COMMAND_DURATION_SECONDS = 31n * 86_400n;
/** Largest amount or price: 2^256 - 1, as sdk.Int. */
export const MAX_AMOUNT = (1n << 256n) - 1n;

const ascii = new TextEncoder();

function lengthPrefixed(prefix: number, bytes: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(prefix, bytes.length), bytes);
}

export function escrowKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(ESCROW_PREFIX), encodeUint64(id));
}

export function consumerPrefix(consumer: string): Uint8Array {
  return lengthPrefixed(CONSUMER_INDEX_PREFIX, decodeAddress(consumer));
}

export function consumerIndexKey(consumer: string, id: bigint): Uint8Array {
  return concatBytes(consumerPrefix(consumer), encodeUint64(id));
}

export function devicePrefix(deviceId: string): Uint8Array {
  return lengthPrefixed(DEVICE_INDEX_PREFIX, ascii.encode(deviceId));
}

export function deviceIndexKey(deviceId: string, id: bigint): Uint8Array {
  return concatBytes(devicePrefix(deviceId), encodeUint64(id));
}

export function perReadingPrefix(deviceId: string): Uint8Array {
  return lengthPrefixed(PER_READING_INDEX_PREFIX, ascii.encode(deviceId));
}

export function perReadingIndexKey(deviceId: string, id: bigint): Uint8Array {
  return concatBytes(perReadingPrefix(deviceId), encodeUint64(id));
}

export function commandIndexKey(untilTime: bigint, id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(COMMAND_INDEX_PREFIX), encodeUint64(untilTime), encodeUint64(id));
}

export function earningsPrefix(address: string): Uint8Array {
  return lengthPrefixed(EARNINGS_PREFIX, decodeAddress(address));
}

export function earningsKey(address: string, denom: string): Uint8Array {
  return concatBytes(earningsPrefix(address), ascii.encode(denom));
}

export { prefixEnd } from "../../chain/app/pagination.ts";
export { decodeUint64, encodeUint64 } from "../auth/keys.ts";
