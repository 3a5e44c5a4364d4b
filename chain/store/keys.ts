// Byte layout of everything chain/store writes into the shared LevelDB (KEYSPACE.storeFirst..storeLast).
// README.md in this folder documents it byte by byte; keep the two in step.

import { utf8 } from "../crypto/hash.ts";
import { KEYSPACE } from "../db-keyspace.ts";

/** First byte of each part of the store's key space. */
export const PREFIX = {
  /** Metadata: latest commit, pruning watermark, per-version commit info. */
  meta: KEYSPACE.storeFirst + 0x00,
  /** 0x01 (SMT pages) and 0x03 (their stale lists) were format 4's: format 5 holds the tree in memory. */
  /** SMT root of each store at each version: 0x02 ‖ store ‖ version u64. */
  smtRoot: KEYSPACE.storeFirst + 0x02,
  /** State storage, latest version: 0x04 ‖ store ‖ raw key → version u64 ‖ value. */
  ssLatest: KEYSPACE.storeFirst + 0x04,
  /** State storage history: 0x05 ‖ store ‖ escaped key ‖ 0x00 0x01 ‖ version u64 → 0x01 ‖ value | 0x00. */
  ssHistory: KEYSPACE.storeFirst + 0x05,
  /** State storage stale-entry lists: 0x06 ‖ staleSince u64 ‖ store → (u16 len ‖ history key)*. */
  ssStale: KEYSPACE.storeFirst + 0x06,
} as const;

export const META = {
  /** 0x00 0x01 → version u64 ‖ app hash: the latest commit. */
  latest: Uint8Array.of(PREFIX.meta, 0x01),
  /** 0x00 0x02 → version u64: every version <= this one has been pruned. */
  prunedThrough: Uint8Array.of(PREFIX.meta, 0x02),
  /** 0x00 0x03 ‖ version u64 → commit info (store names and roots). */
  commitInfo: PREFIX.meta,
  commitInfoTag: 0x03,
  /** 0x00 0x04 → u16 on-disk format (STORE_FORMAT), written with the first commit. */
  format: Uint8Array.of(PREFIX.meta, 0x04),
} as const;

/** On-disk format of the store: 5 = no SMT on disk (the tree is held in memory and rebuilt from state storage at
 * open, smt-tree.ts); 4 = SMT pages whose leaves carry their hash, value version and key; 3 = leaves with both
 * hashes too; 2 = pages without the value version; no record = binary nodes (1). Older formats are refused at open:
 * re-sync or replay the chain into a new database. */
export const STORE_FORMAT = 5;

/** Store names are ASCII identifiers so that the one-byte length prefix and the sort order are unambiguous. */
const STORE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export function isValidStoreName(name: string): boolean {
  return STORE_NAME_PATTERN.test(name);
}

/** The store part of a key: length byte ‖ name. Length-prefixing keeps "bank" from being a prefix of "bank2". */
export function encodeStorePrefix(name: string): Uint8Array {
  const bytes = utf8.encode(name);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function writeU64(out: Uint8Array, offset: number, value: number): void {
  // Versions are block heights: far below 2^53, so two 32-bit halves are exact.
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  out[offset] = high >>> 24;
  out[offset + 1] = (high >>> 16) & 0xff;
  out[offset + 2] = (high >>> 8) & 0xff;
  out[offset + 3] = high & 0xff;
  out[offset + 4] = low >>> 24;
  out[offset + 5] = (low >>> 16) & 0xff;
  out[offset + 6] = (low >>> 8) & 0xff;
  out[offset + 7] = low & 0xff;
}

export function readU64(bytes: Uint8Array, offset: number): number {
  const high =
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0;
  const low =
    ((bytes[offset + 4]! << 24) |
      (bytes[offset + 5]! << 16) |
      (bytes[offset + 6]! << 8) |
      bytes[offset + 7]!) >>>
    0;
  return high * 0x1_0000_0000 + low;
}

export function encodeU64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  writeU64(out, 0, value);
  return out;
}

/** Smallest key greater than every key starting with `prefix` (undefined if prefix is all 0xff). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = new Uint8Array(prefix); // a copy (Buffer#slice would be a view)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export function metaCommitInfoKey(version: number): Uint8Array {
  const key = new Uint8Array(10);
  key[0] = META.commitInfo;
  key[1] = META.commitInfoTag;
  writeU64(key, 2, version);
  return key;
}

export function smtRootKey(storePrefix: Uint8Array, version: number): Uint8Array {
  const key = new Uint8Array(1 + storePrefix.length + 8);
  key[0] = PREFIX.smtRoot;
  key.set(storePrefix, 1);
  writeU64(key, 1 + storePrefix.length, version);
  return key;
}

export function staleKey(prefix: number, staleSince: number, target: Uint8Array): Uint8Array {
  const key = new Uint8Array(9 + target.length);
  key[0] = prefix;
  writeU64(key, 1, staleSince);
  key.set(target, 9);
  return key;
}

export function ssLatestKey(storePrefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + storePrefix.length + key.length);
  out[0] = PREFIX.ssLatest;
  out.set(storePrefix, 1);
  out.set(key, 1 + storePrefix.length);
  return out;
}

/** Order-preserving escape: 0x00 → 0x00 0xff, then terminator 0x00 0x01, so (key, version) entries of one key
 * are contiguous and keys keep their raw byte order (a key sorts before its extensions). */
export function ssHistoryKeyPrefix(storePrefix: Uint8Array, key: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const byte of key) if (byte === 0) zeros++;
  const out = new Uint8Array(1 + storePrefix.length + key.length + zeros + 2);
  out[0] = PREFIX.ssHistory;
  out.set(storePrefix, 1);
  let offset = 1 + storePrefix.length;
  for (const byte of key) {
    out[offset++] = byte;
    if (byte === 0) out[offset++] = 0xff;
  }
  out[offset++] = 0x00;
  out[offset] = 0x01;
  return out;
}

export function ssHistoryKey(storePrefix: Uint8Array, key: Uint8Array, version: number): Uint8Array {
  // Built in one pass (it is written for every changed key of every block); same bytes as
  // ssHistoryKeyPrefix ‖ u64 version.
  let zeros = 0;
  for (let i = 0; i < key.length; i++) if (key[i] === 0) zeros++;
  const out = new Uint8Array(1 + storePrefix.length + key.length + zeros + 2 + 8);
  out[0] = PREFIX.ssHistory;
  out.set(storePrefix, 1);
  let offset = 1 + storePrefix.length;
  if (zeros === 0) {
    out.set(key, offset);
    offset += key.length;
  } else {
    for (let i = 0; i < key.length; i++) {
      const byte = key[i]!;
      out[offset++] = byte;
      if (byte === 0) out[offset++] = 0xff;
    }
  }
  out[offset] = 0x00;
  out[offset + 1] = 0x01;
  writeU64(out, offset + 2, version);
  return out;
}

/** Inverse of ssHistoryKey's escaping: returns [raw key, version] of a history key under `keyspacePrefix`. */
export function decodeSsHistoryKey(
  historyKey: Uint8Array,
  keyspacePrefixLength: number,
): [Uint8Array, number] {
  const end = historyKey.length - 8 - 2;
  const raw: number[] = [];
  for (let i = keyspacePrefixLength; i < end; i++) {
    const byte = historyKey[i]!;
    raw.push(byte);
    if (byte === 0) i++;
  }
  return [Uint8Array.from(raw), readU64(historyKey, historyKey.length - 8)];
}

/** History-keyspace bound for a raw-key bound: escaped key without terminator, so every version of every key
 * >= the bound sorts at or after it. */
export function ssHistoryBound(storePrefix: Uint8Array, key: Uint8Array): Uint8Array {
  const full = ssHistoryKeyPrefix(storePrefix, key);
  return full.subarray(0, full.length - 2);
}
