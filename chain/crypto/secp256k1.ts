// secp256k1 account keys as the Cosmos SDK uses them: 33-byte compressed public keys, 64-byte r‖s
// low-S signatures over sha256(sign bytes). Verification goes through libsecp256k1 when its binary
// loads (~5x faster than OpenSSL here), else node:crypto with cached KeyObjects (~4x faster than
// @noble, docs/PERFORMANCE.md); signing, rare on a node, uses @noble.
import { createECDH, createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ripemd160, sha256 } from "./hash.ts";
import { nativeSecp256k1 } from "./native-verify.ts";

export const SECP256K1_PUBLIC_KEY_BYTES = 33;
export const SECP256K1_SIGNATURE_BYTES = 64;
/** Half the curve order: signatures with s above it are malleable twins and rejected, as in the SDK. */
const HALF_ORDER_BYTES = Buffer.from(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
  "hex",
);
/** DER SubjectPublicKeyInfo header for an id-ecPublicKey on secp256k1 with a 33-byte compressed point. */
const SPKI_PREFIX = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
/** Bound on cached KeyObjects: one per active account is plenty; oldest entries are dropped first. */
const MAX_CACHED_KEYS = 100_000;

const keyCache = new Map<string, KeyObject>();

function keyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("latin1");
  let key = keyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

/** True when s (the second half of r‖s) is above half the curve order: compared bytewise, no bigint. */
function isHighS(signature: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const byte = signature[32 + i]!;
    const half = HALF_ORDER_BYTES[i]!;
    if (byte !== half) return byte > half;
  }
  return false;
}

/** One DER INTEGER (X.690 §8.3) from a 32-byte big-endian unsigned scalar: minimal, sign byte if needed. */
function derInteger(out: Uint8Array, offset: number, scalar: Uint8Array): number {
  let start = 0;
  while (start < 31 && scalar[start] === 0) start++;
  const pad = scalar[start]! >= 0x80 ? 1 : 0;
  const length = 32 - start + pad;
  out[offset] = 0x02;
  out[offset + 1] = length;
  if (pad === 1) out[offset + 2] = 0;
  out.set(scalar.subarray(start), offset + 2 + pad);
  return offset + 2 + length;
}

/** r‖s as a DER ECDSA-Sig-Value: OpenSSL verifies DER about 25% faster than "ieee-p1363" (it
 * converts p1363 to DER internally, with an extra allocation and parse; docs/PERFORMANCE.md). */
export function compactSignatureToDer(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + 2 * 35);
  const afterR = derInteger(out, 2, signature.subarray(0, 32));
  const end = derInteger(out, afterR, signature.subarray(32, 64));
  out[0] = 0x30;
  out[1] = end - 2;
  return out.subarray(0, end);
}

/** Shape checks both backends share, so they accept exactly the same signatures (libsecp256k1
 * rejects high-S itself; OpenSSL would accept it). */
function wellFormed(signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SECP256K1_SIGNATURE_BYTES || publicKey.length !== SECP256K1_PUBLIC_KEY_BYTES)
    return false;
  if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return false;
  return !isHighS(signature);
}

/** Verifies a 64-byte low-S signature over sha256(message). Never throws: malformed input is `false`. */
export function verifySecp256k1(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (nativeSecp256k1 === undefined) return verifySecp256k1OpenSsl(signature, message, publicKey);
  if (!wellFormed(signature, publicKey)) return false;
  try {
    return nativeSecp256k1.ecdsaVerify(signature, sha256(message), publicKey);
  } catch {
    return false;
  }
}

/** The node:crypto (OpenSSL) path: the fallback where libsecp256k1 does not load, and a benchmark row. */
export function verifySecp256k1OpenSsl(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (!wellFormed(signature, publicKey)) return false;
  try {
    return nodeVerify("sha256", message, keyObject(publicKey), compactSignatureToDer(signature));
  } catch {
    return false;
  }
}

/** Verifies with @noble only: the reference our node:crypto path is checked against, and the browser path. */
export function verifySecp256k1Noble(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return secp256k1.verify(signature, sha256(message), publicKey, {
      prehash: false,
      lowS: true,
      format: "compact",
    });
  } catch {
    return false;
  }
}

/** Signs sha256(message) with a 32-byte private key: 64-byte r‖s, low-S, RFC 6979 deterministic. */
export function signSecp256k1(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return secp256k1.sign(sha256(message), privateKey, { prehash: false, lowS: true, format: "compact" });
}

export function secp256k1PublicKey(privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(privateKey, true);
}

/** The same point through OpenSSL, for a process that needs one or two (a CLI command, a derivation
 * at a node's start): @noble's first multiplication builds its precomputed tables, ~100 ms of CPU,
 * which many keys repay and one does not. Throws for a key that is 0 or not below the curve order. */
export function secp256k1PublicKeyOnce(privateKey: Uint8Array): Uint8Array {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(privateKey);
  return Uint8Array.from(ecdh.getPublicKey(null, "compressed"));
}

/** Cosmos account address bytes: ripemd160(sha256(compressed public key)). */
export function secp256k1Address(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(publicKey));
}
