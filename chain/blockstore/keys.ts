// Block store keys, all inside KEYSPACE.blockstoreFirst..blockstoreLast (0x10-0x2f) of the node's one
// LevelDB. Heights are 8-byte big-endian so LevelDB order is height order. README.md has the layout.
import { KEYSPACE } from "../db-keyspace.ts";
import { sha256 } from "../types/bytes.ts";
import { type Allocate, allocateFresh } from "./byte-arena.ts";

export const PREFIX = {
  /** 0x10: BlockStoreState{base, height}. */
  state: 0x10,
  blockMeta: 0x11,
  block: 0x12,
  blockHash: 0x13,
  /** Canonical commit of h: the last_commit of block h+1. */
  commit: 0x14,
  seenCommit: 0x15,
  results: 0x16,
  validators: 0x17,
  tx: 0x18,
  /** (height, index) → tx hash: tx order and tx.height ranges. */
  txByHeight: 0x19,
  /** (composite key, value, height, index) → tx hash. */
  txEvent: 0x1a,
  /** (composite key, value, height) → empty. */
  blockEvent: 0x1b,
} as const;

for (const prefix of Object.values(PREFIX)) {
  if (prefix < KEYSPACE.blockstoreFirst || prefix > KEYSPACE.blockstoreLast)
    throw new Error(`assertion: block store prefix ${prefix} outside its key space`);
}

/** Strings longer than this enter index keys as 0xff ‖ sha256(utf8): LevelDB keys stay small, and
 * 0xff never occurs in UTF-8 so the two forms cannot collide. Candidates are re-checked against the
 * stored events, so hashing loses nothing but prefix scans over long values. */
export const MAX_INDEXED_STRING_BYTES = 256;
const HASHED_MARKER = 0xff;
const textEncoder = new TextEncoder();

export function heightBytes(height: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, height);
  return out;
}

export function readHeight(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset);
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 1;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  out[0] = prefix;
  let offset = 1;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const STATE_KEY = Uint8Array.of(PREFIX.state);

export function heightKey(prefix: number, height: bigint): Uint8Array {
  return key(prefix, heightBytes(height));
}

export function blockHashKey(hash: Uint8Array): Uint8Array {
  return key(PREFIX.blockHash, hash);
}

export function txKey(hash: Uint8Array): Uint8Array {
  return key(PREFIX.tx, hash);
}

export function txByHeightKey(height: bigint, index: number): Uint8Array {
  const indexBytes = new Uint8Array(4);
  new DataView(indexBytes.buffer).setUint32(0, index);
  return key(PREFIX.txByHeight, heightBytes(height), indexBytes);
}

/** UTF-8 bytes as an index key holds them: as they are, or 0xff ‖ sha256 when longer than
 * MAX_INDEXED_STRING_BYTES. */
export function indexedBytes(utf8: Uint8Array): Uint8Array {
  if (utf8.length <= MAX_INDEXED_STRING_BYTES) return utf8;
  const hashed = new Uint8Array(33);
  hashed[0] = HASHED_MARKER;
  hashed.set(sha256(utf8), 1);
  return hashed;
}

/** A string as it appears in index keys: 2-byte big-endian length, then utf8 or 0xff ‖ sha256. */
export function indexedString(text: string): Uint8Array {
  const bytes = indexedBytes(textEncoder.encode(text));
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setUint16(0, bytes.length);
  out.set(bytes, 2);
  return out;
}

/** Prefix of all entries for one composite key, or one (composite key, value) pair. */
export function eventPrefix(prefix: number, compositeKey: string, value?: string): Uint8Array {
  return value === undefined
    ? key(prefix, indexedString(compositeKey))
    : key(prefix, indexedString(compositeKey), indexedString(value));
}

export function txEventKey(compositeKey: string, value: string, height: bigint, index: number): Uint8Array {
  const suffix = txByHeightKey(height, index).subarray(1);
  return key(PREFIX.txEvent, indexedString(compositeKey), indexedString(value), suffix);
}

/** indexedString of composite keys: they come from code (event types and attribute keys), so they are
 * few; the bound only guards against a module inventing keys from data. */
const MAX_CACHED_COMPOSITE_KEYS = 4_096;
const compositeKeyBytes = new Map<string, Uint8Array>();

function indexedCompositeKey(compositeKey: string): Uint8Array {
  let bytes = compositeKeyBytes.get(compositeKey);
  if (bytes === undefined) {
    bytes = indexedString(compositeKey);
    if (compositeKeyBytes.size < MAX_CACHED_COMPOSITE_KEYS) compositeKeyBytes.set(compositeKey, bytes);
  }
  return bytes;
}

/** `prefix ‖ str(compositeKey) ‖ str(value) ‖ suffix` in one allocation, the value's UTF-8 written in
 * place (the same bytes as eventPrefix(prefix, compositeKey, value) ‖ suffix). */
export function eventKey(
  prefix: number,
  compositeKey: string,
  value: string,
  suffix: Uint8Array,
  allocate: Allocate = allocateFresh,
): Uint8Array {
  const head = indexedCompositeKey(compositeKey);
  const length = value.length;
  // At least one UTF-8 byte per UTF-16 code unit: longer values are hashed (indexedString).
  if (length > MAX_INDEXED_STRING_BYTES) {
    const valueBytes = indexedString(value);
    return key(prefix, head, valueBytes, suffix);
  }
  const valueStart = 1 + head.length + 2;
  const out = allocate(valueStart + length + suffix.length);
  let i = 0;
  for (; i < length; i++) {
    const char = value.charCodeAt(i);
    if (char >= 0x80) break;
    out[valueStart + i] = char;
  }
  // Not ASCII: the general path (same bytes as indexedString, hashed when too long).
  if (i < length) return key(prefix, head, indexedString(value), suffix);
  out[0] = prefix;
  out.set(head, 1);
  out[valueStart - 2] = length >>> 8;
  out[valueStart - 1] = length & 0xff;
  out.set(suffix, valueStart + length);
  return out;
}

export function blockEventKey(compositeKey: string, value: string, height: bigint): Uint8Array {
  return key(PREFIX.blockEvent, indexedString(compositeKey), indexedString(value), heightBytes(height));
}

/** The smallest key greater than every key starting with `prefix` (for `lt` bounds). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]! += 1;
      return out.subarray(0, i + 1);
    }
  }
  throw new Error("assertion: prefix of only 0xff bytes");
}
