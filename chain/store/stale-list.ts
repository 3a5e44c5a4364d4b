// Stale-key lists: the keys one version made obsolete in one store, packed into a single LevelDB entry
// (u16 length ‖ key, repeated) so that recording them costs one put per store and block, not one per key.
import type { BatchOperation } from "../db-keyspace.ts";
import { staleKey } from "./keys.ts";
import { StoreError } from "./types.ts";

export function encodeKeyList(keys: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const key of keys) length += 2 + key.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const key of keys) {
    out[offset] = key.length >>> 8;
    out[offset + 1] = key.length & 0xff;
    out.set(key, offset + 2);
    offset += 2 + key.length;
  }
  return out;
}

export function decodeKeyList(bytes: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 2 > bytes.length) throw new StoreError("corrupt", "truncated stale-key list");
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    offset += 2;
    if (offset + length > bytes.length) throw new StoreError("corrupt", "truncated stale-key list");
    keys.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return keys;
}

/** One put recording `keys` as stale since `version` under keyspace `prefix` for one store (nothing if empty). */
export function staleListOperation(
  prefix: number,
  version: number,
  storePrefix: Uint8Array,
  keys: readonly Uint8Array[],
): BatchOperation[] {
  const list = encodeKeyList(keys);
  if (list.length === 0) return [];
  return [{ type: "put", key: staleKey(prefix, version, storePrefix), value: list }];
}
