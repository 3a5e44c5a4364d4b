// ed25519 validator (consensus) and device keys, signed through node:crypto; verified through
// libsodium when its binary loads (~2x faster here), else node:crypto with cached KeyObjects (13x
// faster than @noble, docs/PERFORMANCE.md). libsodium also refuses small-order and non-canonical
// public keys, which no honest key is; every validator runs the same backend on a given platform.
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from "node:crypto";
import { sha256 } from "./hash.ts";
import { nativeSodium } from "./native-verify.ts";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SEED_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
/** DER headers for raw ed25519 keys (RFC 8410). */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** Validator sets and device fleets are bounded well below this; oldest entries are dropped first. */
const MAX_CACHED_KEYS = 100_000;

const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString("latin1");
  let key = publicKeyCache.get(id);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    if (publicKeyCache.size >= MAX_CACHED_KEYS) publicKeyCache.delete(publicKeyCache.keys().next().value!);
    publicKeyCache.set(id, key);
  }
  return key;
}

export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (nativeSodium === undefined) return verifyEd25519OpenSsl(signature, message, publicKey);
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    return false;
  try {
    return nativeSodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The node:crypto (OpenSSL) path: the fallback where libsodium does not load, and a benchmark row. */
export function verifyEd25519OpenSsl(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES)
    return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** An ed25519 signing key held as a node:crypto KeyObject. */
export class Ed25519Signer {
  readonly publicKey: Uint8Array;
  readonly #privateKey: KeyObject;

  constructor(seed: Uint8Array) {
    if (seed.length !== ED25519_SEED_BYTES)
      throw new TypeError(`ed25519 seed must be 32 bytes, got ${seed.length}`);
    this.#privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, seed]),
      format: "der",
      type: "pkcs8",
    });
    const spki = createPublicKey(this.#privateKey).export({ format: "der", type: "spki" });
    this.publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  }

  static generate(): Ed25519Signer {
    return new Ed25519Signer(randomBytes(ED25519_SEED_BYTES));
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.#privateKey));
  }

  /** CometBFT validator address: the first 20 bytes of sha256(public key). */
  get address(): Uint8Array {
    return ed25519Address(this.publicKey);
  }
}

export function ed25519Address(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).subarray(0, 20);
}
