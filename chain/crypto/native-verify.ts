// Optional native signature verifiers: libsecp256k1 (the `secp256k1` package) and libsodium
// (`sodium-native`), both shipped with prebuilt binaries for the common platforms. On this machine
// libsecp256k1 verifies ~5x faster than OpenSSL through node:crypto and libsodium ed25519 ~2x
// (docs/PERFORMANCE.md, "Signature verification"). Where a binary cannot load, callers fall back to
// node:crypto, which accepts the same signatures for the inputs our callers pass (compressed keys,
// low-S checked beforehand; see the notes at each use).
import { createRequire } from "node:module";

interface Secp256k1Native {
  ecdsaVerify(signature: Uint8Array, messageHash: Uint8Array, publicKey: Uint8Array): boolean;
}

interface SodiumNative {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

const require = createRequire(import.meta.url);

function load<T>(name: string): T | undefined {
  if (process.env.SENSORCHAIN_NATIVE_CRYPTO === "off") return undefined;
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}

// The package's main entry quietly returns its pure-JS (elliptic) code when the binding cannot load,
// ~20x slower than node:crypto: load the binding itself, so that such a platform falls back to OpenSSL.
export const nativeSecp256k1: Secp256k1Native | undefined = load<Secp256k1Native>("secp256k1/bindings.js");
export const nativeSodium: SodiumNative | undefined = load<SodiumNative>("sodium-native");

/** Which verifier each curve uses in this process, for benchmarks and logs. */
export function nativeCryptoBackends(): { secp256k1: string; ed25519: string } {
  return {
    secp256k1: nativeSecp256k1 === undefined ? "node:crypto (OpenSSL)" : "libsecp256k1",
    ed25519: nativeSodium === undefined ? "node:crypto (OpenSSL)" : "libsodium",
  };
}
