// BIP-39 mnemonics and BIP-32/44 derivation of Cosmos account keys: 24 English words, path
// m/44'/118'/0'/0/0 (coin type 118, as the Cosmos SDK and cosmjs use), secp256k1. The derivation is
// node:crypto's (native PBKDF2-SHA512, HMAC-SHA512 and OpenSSL's secp256k1 point): @scure's pure-JS
// PBKDF2 and @noble's first point multiplication (which builds its tables) cost a cold derivation
// 164-190 ms of CPU, this 9-14 ms — a bridge operator's key is derived at every node start.
// test/crypto/mnemonic.test.ts holds it to @scure/bip32 and cosmjs on fixed vectors and random ones.
import { createHmac, pbkdf2Sync } from "node:crypto";
import { generateMnemonic as generateBip39, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { encodeAddress } from "./bech32.ts";
import { secp256k1Address, secp256k1PublicKeyOnce } from "./secp256k1.ts";

/** The Cosmos Hub HD path; cosmjs' makeCosmoshubPath(0). */
export const COSMOS_HD_PATH = "m/44'/118'/0'/0/0";
/** 256 bits of entropy = 24 words, as `gaiad keys add` makes. */
const MNEMONIC_ENTROPY_BITS = 256;
/** BIP-39: PBKDF2-HMAC-SHA512, 2,048 iterations, 64-byte seed, salt "mnemonic" ‖ passphrase. */
const BIP39_ITERATIONS = 2048;
const BIP39_SEED_BYTES = 64;
/** BIP-32: the master key is HMAC-SHA512 keyed with this string over the seed. */
const BIP32_MASTER_KEY = "Bitcoin seed";
/** BIP-32 hardened child indices start here; a path's index must be below it before the mark. */
const HARDENED = 0x8000_0000;
/** BIP-32 serializes depth in one byte, so a longer path could not be exported anywhere. */
const MAX_PATH_DEPTH = 255;
/** The order of secp256k1's group. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export type MnemonicErrorCode = "invalid_mnemonic" | "invalid_hd_path" | "invalid_child_key";

export class MnemonicError extends Error {
  readonly code: MnemonicErrorCode;
  constructor(message: string, code: MnemonicErrorCode = "invalid_mnemonic") {
    super(message);
    this.code = code;
  }
}

export interface DerivedKey {
  privateKey: Uint8Array;
  /** 33-byte compressed secp256k1 public key. */
  publicKey: Uint8Array;
  /** bech32 address with the given prefix. */
  address: string;
}

export function generateMnemonic(): string {
  return generateBip39(wordlist, MNEMONIC_ENTROPY_BITS);
}

/** Collapses whitespace and lowercases, then checks the words and checksum (BIP-39). */
export function normalizeMnemonic(text: string): string {
  const words = text
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== "");
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new MnemonicError(`a mnemonic has 12, 15, 18, 21 or 24 words; got ${words.length}`);
  }
  const unknown = words.find((word) => !wordlist.includes(word));
  if (unknown !== undefined) throw new MnemonicError(`"${unknown}" is not a BIP-39 English word`);
  const mnemonic = words.join(" ");
  if (!validateMnemonic(mnemonic, wordlist)) throw new MnemonicError("mnemonic checksum does not match");
  return mnemonic;
}

/** "m/44'/118'/0'/0/0" → child indices, hardened ones offset by 2^31 (BIP-32's notation). */
export function parseHdPath(path: string): number[] {
  const parts = path.split("/");
  if (parts[0] !== "m" || parts.length - 1 > MAX_PATH_DEPTH)
    throw new MnemonicError(`HD path ${JSON.stringify(path)}: expected m/44'/118'/0'/0/0`, "invalid_hd_path");
  return parts.slice(1).map((part) => {
    const match = /^(\d{1,10})('?)$/.exec(part);
    const index = match === null ? Number.NaN : Number(match[1]);
    if (!(index < HARDENED))
      throw new MnemonicError(
        `HD path ${JSON.stringify(path)}: child ${JSON.stringify(part)} is not an index below 2^31 with an optional '`,
        "invalid_hd_path",
      );
    return match?.[2] === "'" ? index + HARDENED : index;
  });
}

function scalar(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function scalarBytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex");
}

/** BIP-32 CKDpriv; an out-of-range child moves on to the next index, as BIP-32 and @scure/bip32 do. */
function childKey(key: bigint, chainCode: Buffer, index: number): { key: bigint; chainCode: Buffer } {
  for (let next = index; next <= 0xffff_ffff; next++) {
    const data = Buffer.alloc(37);
    if (next >= HARDENED) scalarBytes(key).copy(data, 1);
    else data.set(secp256k1PublicKeyOnce(scalarBytes(key)), 0);
    data.writeUInt32BE(next, 33);
    const digest = createHmac("sha512", chainCode).update(data).digest();
    const tweak = scalar(digest.subarray(0, 32));
    const child = (key + tweak) % CURVE_ORDER;
    if (tweak < CURVE_ORDER && child !== 0n) return { key: child, chainCode: digest.subarray(32) };
  }
  throw new MnemonicError(`no valid child key at or after index ${index}`, "invalid_child_key");
}

/** A mnemonic (normalized as normalizeMnemonic does), BIP-39 passphrase and HD path → the key. */
export function deriveKey(
  mnemonic: string,
  options: { hdPath?: string; prefix?: string; bip39Passphrase?: string } = {},
): DerivedKey {
  const path = parseHdPath(options.hdPath ?? COSMOS_HD_PATH);
  const words = normalizeMnemonic(mnemonic).normalize("NFKD");
  const salt = `mnemonic${(options.bip39Passphrase ?? "").normalize("NFKD")}`;
  const seed = pbkdf2Sync(words, salt, BIP39_ITERATIONS, BIP39_SEED_BYTES, "sha512");
  const master = createHmac("sha512", BIP32_MASTER_KEY).update(seed).digest();
  let node: { key: bigint; chainCode: Buffer } = {
    key: scalar(master.subarray(0, 32)),
    chainCode: master.subarray(32),
  };
  if (node.key === 0n || node.key >= CURVE_ORDER)
    throw new MnemonicError("the seed gives an invalid BIP-32 master key", "invalid_child_key");
  for (const index of path) node = childKey(node.key, node.chainCode, index);
  const privateKey = Uint8Array.from(scalarBytes(node.key));
  const publicKey = secp256k1PublicKeyOnce(privateKey);
  return { privateKey, publicKey, address: encodeAddress(secp256k1Address(publicKey), options.prefix) };
}
