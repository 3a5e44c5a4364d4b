// Hashes used by the chain. node:crypto's one-shot `hash` is the fastest sha256 on Node (see
// docs/PERFORMANCE.md); ripemd160 comes from @noble because OpenSSL 3 moved it to the legacy provider.
import { hash } from "node:crypto";
import { ripemd160 as nobleRipemd160 } from "@noble/hashes/legacy.js";
import { sha256Short } from "../store/sha256-node-hash.ts";
import { installSha256 } from "../types/bytes.ts";

export function sha256(data: Uint8Array): Uint8Array {
  return hash("sha256", data, "buffer");
}

/** Inputs of at most two SHA-256 blocks (9 bytes of padding): chain/types hashes them with the store's JS
 * SHA-256 (0.7-1.4 µs against node:crypto's ~2 µs one-shot call here, which also allocates its digest
 * outside the V8 heap); longer ones (from ~200 bytes on the JS one is slower) go to node:crypto. A
 * block's data and results trees hash ~4 such inputs per tx (leaves of 33 bytes and small results,
 * inner nodes of 65). */
const JS_SHA256_MAX_BYTES = 2 * 64 - 9;

// chain/types hashes (merkle trees of headers, txs, results): a plain Uint8Array, as noble returns, so
// that callers comparing or serialising results see no Buffer.
installSha256((data) => {
  if (data.length <= JS_SHA256_MAX_BYTES) return sha256Short(data);
  const digest = hash("sha256", data, "buffer");
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
});

export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data);
}

// The pure byte helpers live in chain/types/bytes.ts (browser-safe); one copy serves both.
export { bytesEqual, compareBytes, concatBytes } from "../types/bytes.ts";

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new TypeError(`invalid hex string: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Standard base64 with its padding, nothing else (Buffer.from silently drops what is not base64). */
export const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 with padding, as CometBFT and cosmjs expect. */
export function fromBase64(text: string): Uint8Array {
  if (!STANDARD_BASE64.test(text)) {
    throw new TypeError("invalid base64 string");
  }
  return new Uint8Array(Buffer.from(text, "base64"));
}

export const utf8 = {
  encode: (text: string): Uint8Array => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder("utf-8", { fatal: true }).decode(bytes),
};
