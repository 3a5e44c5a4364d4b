// SHA-256 (FIPS 180-4) of the two 65-byte preimages the SMT hashes for every new node: leaf
// 0x00 ‖ keyHash ‖ valueHash and inner 0x01 ‖ left ‖ right. A block of 2,000 writes hashes ~25,000 of them;
// node:crypto's one-shot hash costs ~1.5-4.5 µs each here, mostly call overhead and a fresh ArrayBuffer per
// digest (malloc'd outside the V8 heap, which also fragmented native memory). This computes the two
// compression blocks in JS into a small on-heap array. Tested against node:crypto (test/store/sha256.test.ts).

import { hash } from "node:crypto";

const K = Int32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);
const INITIAL = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** Preimage length this module hashes. */
export const NODE_PREIMAGE_BYTES = 65;

const W = new Int32Array(64);
const H = new Int32Array(8);

function compress(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** Inputs up to this length are hashed here by sha256Short; longer ones by node:crypto, whose per-call cost is
 * then small beside the hashing itself. */
export const SHORT_INPUT_MAX_BYTES = 256;

/** Big-endian word `t` of the 64-byte block starting at `offset` of the padded message (input ‖ 0x80 ‖ zeros ‖
 * u64 bit length). */
function paddedWord(input: Uint8Array, offset: number, t: number, paddedLength: number): number {
  const at = offset + t * 4;
  if (at + 4 <= input.length)
    return (input[at]! << 24) | (input[at + 1]! << 16) | (input[at + 2]! << 8) | input[at + 3]!;
  if (at >= paddedLength - 8) {
    // The bit length: inputs here are < 2^29 bytes, so the high word is 0.
    return at === paddedLength - 8 ? 0 : input.length * 8;
  }
  let word = 0;
  for (let i = 0; i < 4; i++) {
    const index = at + i;
    const byte = index < input.length ? input[index]! : index === input.length ? 0x80 : 0;
    word = (word << 8) | byte;
  }
  return word;
}

/** sha256 of a key or value of at most SHORT_INPUT_MAX_BYTES bytes, as a new 32-byte array: the store hashes
 * every written key and value, and node:crypto's one-shot call costs more than the hashing for such sizes and
 * allocates an ArrayBuffer outside the V8 heap per digest. */
export function sha256Short(input: Uint8Array): Uint8Array {
  if (input.length > SHORT_INPUT_MAX_BYTES) throw new RangeError("sha256Short takes short inputs only");
  compressShort(input);
  return digest();
}

/** sha256 of `bytes[start..start + length)` into `out` at `offset` (a leaf's key in the tree's key arena): no
 * array per digest for a short input. */
export function sha256Into(
  bytes: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  offset: number,
): void {
  const input = bytes.subarray(start, start + length);
  if (length > SHORT_INPUT_MAX_BYTES) out.set(hash("sha256", input, "buffer"), offset);
  else {
    compressShort(input);
    digestInto(out, offset);
  }
}

/** The state H after hashing all of `input` (padded). */
function compressShort(input: Uint8Array): void {
  const paddedLength = (input.length + 9 + 63) & ~63;
  H.set(INITIAL);
  for (let offset = 0; offset < paddedLength; offset += 64) {
    for (let t = 0; t < 16; t++) W[t] = paddedWord(input, offset, t, paddedLength);
    compress();
  }
}

/** sha256 of a key or value of any length: short ones here, long ones with node:crypto. */
export function sha256Of(input: Uint8Array): Uint8Array {
  return input.length <= SHORT_INPUT_MAX_BYTES ? sha256Short(input) : hash("sha256", input, "buffer");
}

function digest(): Uint8Array {
  // ≤ 64 bytes: V8 keeps the array on its own heap (no malloc per digest).
  const out = new Uint8Array(32);
  digestInto(out, 0);
  return out;
}

function digestInto(out: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const word = H[i]!;
    out[offset + i * 4] = word >>> 24;
    out[offset + i * 4 + 1] = (word >>> 16) & 0xff;
    out[offset + i * 4 + 2] = (word >>> 8) & 0xff;
    out[offset + i * 4 + 3] = word & 0xff;
  }
}

/** sha256 of exactly NODE_PREIMAGE_BYTES bytes, as a new 32-byte array. */
export function sha256Of65(input: Uint8Array): Uint8Array {
  compress65(input);
  return digest();
}

/** sha256Of65 written into `out` at `offset` (the in-memory tree's hash arena: no array per node). */
export function sha256Of65Into(input: Uint8Array, out: Uint8Array, offset: number): void {
  compress65(input);
  digestInto(out, offset);
}

function compress65(input: Uint8Array): void {
  if (input.length !== NODE_PREIMAGE_BYTES) throw new RangeError("sha256Of65 needs a 65-byte input");
  H.set(INITIAL);
  for (let t = 0; t < 16; t++) {
    const i = t * 4;
    W[t] = (input[i]! << 24) | (input[i + 1]! << 16) | (input[i + 2]! << 8) | input[i + 3]!;
  }
  compress();
  // Second block: the last input byte, the 0x80 terminator, zeros, and the bit length 520 (FIPS 180-4 §5.1.1).
  W[0] = (input[64]! << 24) | 0x800000;
  for (let t = 1; t < 15; t++) W[t] = 0;
  W[15] = NODE_PREIMAGE_BYTES * 8;
  compress();
}
