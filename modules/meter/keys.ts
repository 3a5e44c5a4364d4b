// State layout of the meter module in store "meter" (README.md documents it byte by byte) and the
// bounds on a commitment.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "meter";
export const STORE_NAME = "meter";

/** 0x01 | len(device id) | device id | day (4, BE) → sensorchain.meter.v1.Commitment (final). */
export const COMMITMENT_PREFIX = 0x01;
/** 0x02 | len(device id) | device id | day (4) | commitment hash (32) → Candidate. */
export const CANDIDATE_PREFIX = 0x02;
/** 0x03 | len(device id) | device id | day (4) | len(operator) | operator bytes → commitment hash. */
export const VOTE_PREFIX = 0x03;
/** 0x04 | len(device id) | device id | day (4) → 0x01 while the device-day has two or more candidates. */
export const CONFLICT_PREFIX = 0x04;

export const INDEX_MARKER = Uint8Array.of(0x01);

export const SECONDS_PER_DAY = 86_400n;
export const MILLISECONDS_PER_DAY = 86_400_000n;
/** Readings in one commitment: one per device millisecond at most (timestamps are in ms). */
export const MAX_READINGS_PER_DAY = 86_400_000n;
/** Aggregates in one commitment (one per value name); a meter reports a handful of quantities. */
export const MAX_AGGREGATES = 16;
/** Value name and unit bounds in UTF-8 bytes (as device metadata's unit). */
export const MAX_VALUE_NAME_BYTES = 32;
export const MAX_UNIT_BYTES = 16;
/** Decimal strings: 80 characters hold any sum of a day of 256-bit readings. */
export const MAX_DECIMAL_CHARS = 80;
/** Largest day: uint32 in the key; also refuses nonsense far in the future. */
export const MAX_DAY = 0xffff_ffffn;
export const HASH_BYTES = 32;

const ascii = new TextEncoder();

function dayBytes(day: bigint): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, Number(day));
  return bytes;
}

export function decodeDay(bytes: Uint8Array): bigint {
  return BigInt(new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0));
}

export function devicePart(prefix: number, deviceId: string): Uint8Array {
  const id = ascii.encode(deviceId);
  return concatBytes(Uint8Array.of(prefix, id.length), id);
}

export function commitmentKey(deviceId: string, day: bigint): Uint8Array {
  return concatBytes(devicePart(COMMITMENT_PREFIX, deviceId), dayBytes(day));
}

export function candidatePrefix(deviceId: string, day: bigint): Uint8Array {
  return concatBytes(devicePart(CANDIDATE_PREFIX, deviceId), dayBytes(day));
}

export function candidateKey(deviceId: string, day: bigint, hash: Uint8Array): Uint8Array {
  return concatBytes(candidatePrefix(deviceId, day), hash);
}

export function voteKey(deviceId: string, day: bigint, operator: string): Uint8Array {
  const address = decodeAddress(operator);
  return concatBytes(
    devicePart(VOTE_PREFIX, deviceId),
    dayBytes(day),
    Uint8Array.of(address.length),
    address,
  );
}

export function conflictKey(deviceId: string, day: bigint): Uint8Array {
  return concatBytes(devicePart(CONFLICT_PREFIX, deviceId), dayBytes(day));
}

/** Device id and day of a conflict key. */
export function parseConflictKey(key: Uint8Array): { deviceId: string; day: bigint } {
  const length = key[1]!;
  return {
    deviceId: new TextDecoder().decode(key.subarray(2, 2 + length)),
    day: decodeDay(key.subarray(2 + length, 6 + length)),
  };
}

export { prefixEnd } from "../../chain/app/pagination.ts";
