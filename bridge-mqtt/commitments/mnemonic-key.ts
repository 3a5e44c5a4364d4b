// The operator's secp256k1 private key from its BIP-39 mnemonic on the Cosmos HD path
// m/44'/118'/0'/0/0, through node:crypto's native PBKDF2, HMAC and EC point multiplication: the same
// bytes as chain/crypto/mnemonic.ts deriveKey (@scure's pure-JS PBKDF2 and @noble's curve, whose
// first use builds its precomputed tables), which cost a node's start ~0.1 s of a quiet core and
// ~0.7 s on a loaded machine; this takes a few ms. Tested against fixed vectors from deriveKey.
import { createECDH, createHmac, pbkdf2Sync } from "node:crypto";
import { normalizeMnemonic } from "../../chain/crypto/mnemonic.ts";

/** BIP-39: PBKDF2-HMAC-SHA512, 2,048 iterations, 64-byte seed, salt "mnemonic" ‖ passphrase. */
const BIP39_ITERATIONS = 2048;
const BIP39_SEED_BYTES = 64;
/** BIP-32: the master key is HMAC-SHA512 keyed with this string over the seed. */
const BIP32_MASTER_KEY = "Bitcoin seed";
/** BIP-32 hardened child indices start here. */
const HARDENED = 0x8000_0000;
/** m/44'/118'/0'/0/0: purpose 44, Cosmos' coin type 118, account 0, external chain, index 0. */
const COSMOS_PATH = [44 + HARDENED, 118 + HARDENED, HARDENED, 0, 0] as const;
/** The order of secp256k1's group. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Thrown for the (probability ~2^-127) index whose key BIP-32 declares invalid; as @scure does. */
export class MnemonicKeyError extends Error {
  readonly code = "invalid_child_key";
}

function scalar(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function scalarBytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex");
}

/** A normalized or raw mnemonic (checked as deriveKey checks it) → the 32-byte private key. */
export function cosmosPrivateKeyFromMnemonic(mnemonic: string): Uint8Array {
  const words = normalizeMnemonic(mnemonic).normalize("NFKD");
  const seed = pbkdf2Sync(words, "mnemonic", BIP39_ITERATIONS, BIP39_SEED_BYTES, "sha512");
  let node = createHmac("sha512", BIP32_MASTER_KEY).update(seed).digest();
  let key = scalar(node.subarray(0, 32));
  if (key === 0n || key >= CURVE_ORDER) throw new MnemonicKeyError("master key out of range");
  const ecdh = createECDH("secp256k1");
  for (const index of COSMOS_PATH) {
    const data = Buffer.alloc(37);
    if (index >= HARDENED) scalarBytes(key).copy(data, 1);
    else {
      ecdh.setPrivateKey(scalarBytes(key));
      ecdh.getPublicKey(null, "compressed").copy(data, 0);
    }
    data.writeUInt32BE(index, 33);
    node = createHmac("sha512", node.subarray(32)).update(data).digest();
    const tweak = scalar(node.subarray(0, 32));
    if (tweak >= CURVE_ORDER) throw new MnemonicKeyError(`child ${index} out of range`);
    key = (key + tweak) % CURVE_ORDER;
    if (key === 0n) throw new MnemonicKeyError(`child ${index} is zero`);
  }
  return Uint8Array.from(scalarBytes(key));
}
