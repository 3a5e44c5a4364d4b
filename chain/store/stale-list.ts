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
  keys: readonly Uint8Array[] | KeyListWriter,
): BatchOperation[] {
  const list = keys instanceof KeyListWriter ? keys.bytes() : encodeKeyList(keys);
  if (list.length === 0) return [];
  return [{ type: "put", key: staleKey(prefix, version, storePrefix), value: list }];
}

/** A key list (encodeKeyList's bytes) written key by key into one growing buffer: the SMT records ~3 stale pages
 * per write, and building each key into the list directly saves a key array each. */
export class KeyListWriter {
  #bytes = new Uint8Array(KEY_LIST_INITIAL_BYTES);
  #length = 0;

  /** Appends room for a key of `length` bytes (its length prefix written); returns the offset in `buffer` where
   * its bytes go. */
  append(length: number): number {
    const end = this.#length + 2 + length;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes[this.#length] = length >>> 8;
    this.#bytes[this.#length + 1] = length & 0xff;
    const at = this.#length + 2;
    this.#length = end;
    return at;
  }

  /** The buffer being written (replaced when it grows: take it after `append`). */
  get buffer(): Uint8Array {
    return this.#bytes;
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

/** First size of a KeyListWriter's buffer, bytes (~30 page keys; it doubles as needed). */
const KEY_LIST_INITIAL_BYTES = 1024;
