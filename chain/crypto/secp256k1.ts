// secp256k1 account keys as the Cosmos SDK uses them: 33-byte compressed public keys, 64-byte r‖s
// low-S signatures over sha256(sign bytes). Verification goes through node:crypto with cached
// KeyObjects (about 4x faster than @noble, docs/PERFORMANCE.md); signing, rare on a node, uses @noble.
import { createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ripemd160, sha256 } from "./hash.ts";

export const SECP256K1_PUBLIC_KEY_BYTES = 33;
export const SECP256K1_SIGNATURE_BYTES = 64;
/** Half the curve order: signatures with s above it are malleable twins and rejected, as in the SDK. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
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

function readScalar(bytes: Uint8Array, offset: number): bigint {
  return BigInt(`0x${Buffer.from(bytes.subarray(offset, offset + 32)).toString("hex")}`);
}

/** Verifies a 64-byte low-S signature over sha256(message). Never throws: malformed input is `false`. */
export function verifySecp256k1(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SECP256K1_SIGNATURE_BYTES || publicKey.length !== SECP256K1_PUBLIC_KEY_BYTES)
    return false;
  if (publicKey[0] !== 0x02 && publicKey[0] !== 0x03) return false;
  if (readScalar(signature, 32) > HALF_ORDER) return false;
  try {
    return nodeVerify("sha256", message, { key: keyObject(publicKey), dsaEncoding: "ieee-p1363" }, signature);
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

/** Cosmos account address bytes: ripemd160(sha256(compressed public key)). */
export function secp256k1Address(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(publicKey));
}
