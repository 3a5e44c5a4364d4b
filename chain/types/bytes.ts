// Byte helpers for chain/types. This folder must run in a browser (the light client imports it), so
// it hashes with @noble/hashes by default; on Node, chain/crypto/hash.ts installs node:crypto's sha256
// here when it loads (3-4x faster on the small inputs of merkle trees: header, tx and result hashes).
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

let sha256Implementation: (data: Uint8Array) => Uint8Array = nobleSha256;

/** Replaces the sha256 of chain/types (a faster one of the platform; it must be sha256). */
export function installSha256(implementation: (data: Uint8Array) => Uint8Array): void {
  sha256Implementation = implementation;
}

export function sha256(data: Uint8Array): Uint8Array {
  return sha256Implementation(data);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  // From the end: the encodings compared most (an account's versions, whose sequence comes last)
  // differ there; for any other pair either end is as good.
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic byte order, as Go's bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const HEX_DIGITS = "0123456789abcdef";

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError(`invalid hex string: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
