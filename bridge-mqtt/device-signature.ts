// Device signatures with node:crypto and cached KeyObjects (../shared reference baselines: node:crypto
// is 13-39x faster than @noble). Formats (README.md, Signatures): ed25519 64 bytes over the message;
// P-256 64-byte r‖s (IEEE P1363) ECDSA over sha256(message); secp256k1 as Cosmos accounts sign
// (64-byte low-S r‖s over sha256, chain/crypto/secp256k1.ts).
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { verifyEd25519 } from "../chain/crypto/ed25519.ts";
import { verifySecp256k1 } from "../chain/crypto/secp256k1.ts";
import type { DevicePublicKey } from "../modules/device/codec.ts";

/** DER SubjectPublicKeyInfo header of a P-256 key with a 33-byte compressed point. */
const P256_SPKI_PREFIX = Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex");
export const DEVICE_SIGNATURE_BYTES = 64;
/** One KeyObject per registered P-256 device key (ed25519 keys are cached by chain/crypto/ed25519.ts);
 * oldest dropped first. 100,000 devices per node is ten times the 10,000-device target. */
export const MAX_CACHED_DEVICE_KEYS = 100_000;

const p256Keys = new Map<string, KeyObject>();

function p256KeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("latin1");
  let key = p256Keys.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    if (p256Keys.size >= MAX_CACHED_DEVICE_KEYS) p256Keys.delete(p256Keys.keys().next().value!);
    p256Keys.set(id, key);
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
        return verifyEd25519(signature, message, publicKey.key);
      case "p256":
        return verify(
          "sha256",
          message,
          { key: p256KeyObject(publicKey.key), dsaEncoding: "ieee-p1363" },
          signature,
        );
      case "secp256k1":
        return verifySecp256k1(signature, message, publicKey.key);
    }
  } catch {
    return false;
  }
}
