// Per-version commit info (store names and roots) and the latest-commit record, in the meta keyspace.
import { utf8 } from "../crypto/hash.ts";
import { readU64, writeU64 } from "./keys.ts";
import type { StoreRoot } from "./simple-merkle.ts";
import { StoreError } from "./types.ts";

/** count u16 ‖ per store: name length u8 ‖ name ‖ root (32 bytes), sorted by name. */
export function encodeCommitInfo(roots: readonly StoreRoot[]): Uint8Array {
  const parts = roots.map((store) => ({ name: utf8.encode(store.name), root: store.root }));
  let length = 2;
  for (const part of parts) length += 1 + part.name.length + part.root.length;
  const out = new Uint8Array(length);
  out[0] = parts.length >>> 8;
  out[1] = parts.length & 0xff;
  let offset = 2;
  for (const part of parts) {
    out[offset++] = part.name.length;
    out.set(part.name, offset);
    offset += part.name.length;
    out.set(part.root, offset);
    offset += part.root.length;
  }
  return out;
}

export function decodeCommitInfo(bytes: Uint8Array): StoreRoot[] {
  const count = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  const roots: StoreRoot[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const nameLength = bytes[offset++];
    if (nameLength === undefined || offset + nameLength + 32 > bytes.length)
      throw new StoreError("corrupt", "truncated commit info");
    const name = utf8.decode(bytes.subarray(offset, offset + nameLength));
    offset += nameLength;
    roots.push({ name, root: new Uint8Array(bytes.subarray(offset, offset + 32)) });
    offset += 32;
  }
  return roots;
}

/** version u64 ‖ app hash. */
export function encodeLatest(version: number, appHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + appHash.length);
  writeU64(out, 0, version);
  out.set(appHash, 8);
  return out;
}

export function decodeLatest(bytes: Uint8Array): { version: number; appHash: Uint8Array } {
  if (bytes.length < 8) throw new StoreError("corrupt", "truncated latest-commit record");
  return { version: readU64(bytes, 0), appHash: new Uint8Array(bytes.subarray(8)) };
}
