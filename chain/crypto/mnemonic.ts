// BIP-39 mnemonics and BIP-32/44 derivation of Cosmos account keys: 24 English words, path
// m/44'/118'/0'/0/0 (coin type 118, as the Cosmos SDK and cosmjs use), secp256k1.
import { HDKey } from "@scure/bip32";
import { generateMnemonic as generateBip39, mnemonicToSeedSync, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { encodeAddress } from "./bech32.ts";
import { secp256k1Address } from "./secp256k1.ts";

/** The Cosmos Hub HD path; cosmjs' makeCosmoshubPath(0). */
export const COSMOS_HD_PATH = "m/44'/118'/0'/0/0";
/** 256 bits of entropy = 24 words, as `gaiad keys add` makes. */
const MNEMONIC_ENTROPY_BITS = 256;

export class MnemonicError extends Error {
  readonly code = "invalid_mnemonic";
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

export function deriveKey(
  mnemonic: string,
  options: { hdPath?: string; prefix?: string; bip39Passphrase?: string } = {},
): DerivedKey {
  const seed = mnemonicToSeedSync(normalizeMnemonic(mnemonic), options.bip39Passphrase ?? "");
  const node = HDKey.fromMasterSeed(seed).derive(options.hdPath ?? COSMOS_HD_PATH);
  if (node.privateKey === null || node.publicKey === null)
    throw new MnemonicError("derivation gave no private key");
  return {
    privateKey: node.privateKey,
    publicKey: node.publicKey,
    address: encodeAddress(secp256k1Address(node.publicKey), options.prefix),
  };
}
