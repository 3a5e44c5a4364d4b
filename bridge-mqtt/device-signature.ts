// Device signatures with node:crypto and cached KeyObjects (../shared reference baselines: node:crypto
// is 13-39x faster than @noble). Formats (README.md, Signatures): ed25519 64 bytes over the message;
// P-256 64-byte r‖s (IEEE P1363) ECDSA over sha256(message); secp256k1 as Cosmos accounts sign
// (64-byte low-S r‖s over sha256, chain/crypto/secp256k1.ts).
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { verifySecp256k1 } from "../chain/crypto/secp256k1.ts";
import type { DevicePublicKey } from "../modules/device/codec.ts";

/** DER SubjectPublicKeyInfo headers: ed25519 (RFC 8410) and P-256 with a 33-byte compressed point. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const P256_SPKI_PREFIX = Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex");
export const DEVICE_SIGNATURE_BYTES = 64;
/** One KeyObject per registered device key; oldest dropped first. 100,000 devices per node is ten
 * times the 10,000-device target. */
export const MAX_CACHED_DEVICE_KEYS = 100_000;

const keyCache = new Map<string, KeyObject>();

function keyObject(publicKey: DevicePublicKey): KeyObject {
  const id = `${publicKey.type}:${Buffer.from(publicKey.key).toString("latin1")}`;
  let key = keyCache.get(id);
  if (key === undefined) {
    const prefix = publicKey.type === "ed25519" ? ED25519_SPKI_PREFIX : P256_SPKI_PREFIX;
    key = createPublicKey({ key: Buffer.concat([prefix, publicKey.key]), format: "der", type: "spki" });
    if (keyCache.size >= MAX_CACHED_DEVICE_KEYS) keyCache.delete(keyCache.keys().next().value!);
    keyCache.set(id, key);
  }
  return key;
}

/** True when `signature` is the device key's signature of `message`. Never throws. */
export function verifyDeviceSignature(
  publicKey: DevicePublicKey,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== DEVICE_SIGNATURE_BYTES) return false;
  try {
    switch (publicKey.type) {
      case "ed25519":
        return verify(null, message, keyObject(publicKey), signature);
      case "p256":
        return verify("sha256", message, { key: keyObject(publicKey), dsaEncoding: "ieee-p1363" }, signature);
      case "secp256k1":
        return verifySecp256k1(signature, message, publicKey.key);
    }
  } catch {
    return false;
  }
}
