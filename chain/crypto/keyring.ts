// The keyring: named secp256k1 account keys kept in a folder of the home (keyring-file/ encrypted,
// keyring-test/ unencrypted), made from BIP-39 mnemonics on the Cosmos HD path. Addresses equal what
// cosmjs' DirectSecp256k1HdWallet derives with prefix "sensor".
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { writeFileAtomic } from "../config/files.ts";
import { ACCOUNT_PREFIX, encodeAddress } from "./bech32.ts";
import { bytesEqual, fromBase64, toBase64 } from "./hash.ts";
import {
  associatedData,
  decryptSecret,
  encryptSecret,
  KEY_FILE_VERSION,
  type KeyFile,
  KeyringError,
} from "./keyring-file.ts";
import { COSMOS_HD_PATH, deriveKey } from "./mnemonic.ts";
import { secp256k1Address, secp256k1PublicKeyOnce } from "./secp256k1.ts";

export { KeyringError } from "./keyring-file.ts";
export { COSMOS_HD_PATH, deriveKey, generateMnemonic, MnemonicError, normalizeMnemonic } from "./mnemonic.ts";

export type KeyringBackend = "file" | "test";
/** File names come from key names; this keeps them portable and free of path tricks. */
const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The Cosmos SDK asks for at least 8 characters for a file keyring passphrase. */
export const MIN_PASSPHRASE_LENGTH = 8;
/** A keyring folder holds a person's or a node's keys; more than this is not a keyring. */
const MAX_KEYS = 10_000;
const MAX_KEY_FILE_BYTES = 64 * 1024;
const KEY_FILE_SUFFIX = ".key.json";

export interface KeyInfo {
  name: string;
  type: "local";
  address: string;
  /** 33-byte compressed secp256k1 public key. */
  pubKey: Uint8Array;
  hdPath: string;
}

export interface KeyringOptions {
  backend: KeyringBackend;
  /** keyring-file/ or keyring-test/ of the home. */
  dir: string;
  /**
   * Asked only when a private key must be encrypted or decrypted (file backend). `confirm` is true
   * when a new passphrase is being chosen (the first key), so a prompt can ask twice.
   */
  passphrase?: (request: { confirm: boolean }) => Promise<string>;
}

export function validateKeyName(name: string): string {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new KeyringError(
      "invalid_key_name",
      `invalid key name ${JSON.stringify(name)}: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

export class Keyring {
  readonly backend: KeyringBackend;
  readonly dir: string;
  readonly #passphrase: KeyringOptions["passphrase"];

  constructor(options: KeyringOptions) {
    this.backend = options.backend;
    this.dir = options.dir;
    this.#passphrase = options.passphrase;
  }

  #path(name: string): string {
    return join(this.dir, `${validateKeyName(name)}${KEY_FILE_SUFFIX}`);
  }

  #read(name: string): KeyFile {
    const path = this.#path(name);
    if (!existsSync(path))
      throw new KeyringError(
        "key_not_found",
        `key ${name} not found in the ${this.backend} keyring (${this.dir})`,
      );
    const text = readFileSync(path);
    if (text.length > MAX_KEY_FILE_BYTES)
      throw new KeyringError("invalid_key_file", `key ${name}: file too large`);
    let file: KeyFile;
    try {
      file = JSON.parse(text.toString("utf8")) as KeyFile;
    } catch {
      throw new KeyringError("invalid_key_file", `key ${name}: key file is not valid JSON`);
    }
    if (
      file.version !== KEY_FILE_VERSION ||
      file.algo !== "secp256k1" ||
      typeof file.pub_key?.key !== "string"
    ) {
      throw new KeyringError(
        "invalid_key_file",
        `key ${name}: unsupported key file (version ${file.version})`,
      );
    }
    return file;
  }

  #info(file: KeyFile): KeyInfo {
    let pubKey: Uint8Array;
    try {
      pubKey = fromBase64(file.pub_key.key);
    } catch {
      throw new KeyringError("invalid_key_file", `key ${file.name}: pub_key is not base64`);
    }
    if (pubKey.length !== 33 || encodeAddress(secp256k1Address(pubKey)) !== file.address) {
      throw new KeyringError("invalid_key_file", `key ${file.name}: address does not match its public key`);
    }
    return { name: file.name, type: "local", address: file.address, pubKey, hdPath: file.hd_path };
  }

  has(name: string): boolean {
    return existsSync(this.#path(name));
  }

  get(name: string): KeyInfo {
    return this.#info(this.#read(name));
  }

  /** All keys, sorted by name. */
  list(): KeyInfo[] {
    if (!existsSync(this.dir)) return [];
    const names = readdirSync(this.dir)
      .filter((entry) => entry.endsWith(KEY_FILE_SUFFIX))
      .map((entry) => entry.slice(0, -KEY_FILE_SUFFIX.length))
      .filter((name) => KEY_NAME_PATTERN.test(name))
      .sort();
    if (names.length > MAX_KEYS)
      throw new KeyringError("invalid_key_file", `more than ${MAX_KEYS} keys in ${this.dir}`);
    return names.map((name) => this.get(name));
  }

  /** Finds a key by name, or by address. */
  find(nameOrAddress: string): KeyInfo | undefined {
    if (KEY_NAME_PATTERN.test(nameOrAddress) && this.has(nameOrAddress)) return this.get(nameOrAddress);
    return this.list().find((key) => key.address === nameOrAddress);
  }

  async #askPassphrase(confirm: boolean): Promise<string> {
    if (this.#passphrase === undefined) {
      throw new KeyringError("no_passphrase", "the file keyring needs a passphrase and none was given");
    }
    return this.#passphrase({ confirm });
  }

  /** Derives a key from a mnemonic (Cosmos HD path) and stores it under `name`. */
  async addFromMnemonic(name: string, mnemonic: string, hdPath = COSMOS_HD_PATH): Promise<KeyInfo> {
    const key = deriveKey(mnemonic, { hdPath, prefix: ACCOUNT_PREFIX });
    return this.addPrivateKey(name, key.privateKey, hdPath);
  }

  /** Stores a raw 32-byte secp256k1 private key under `name`. Refuses duplicate names and keys. */
  async addPrivateKey(name: string, privateKey: Uint8Array, hdPath = ""): Promise<KeyInfo> {
    validateKeyName(name);
    if (this.has(name)) throw new KeyringError("key_exists", `key ${name} already exists`);
    const pubKey = secp256k1PublicKeyOnce(privateKey);
    const existing = this.list();
    const twin = existing.find((key) => bytesEqual(key.pubKey, pubKey));
    if (twin !== undefined)
      throw new KeyringError("key_exists", `this key is already stored as ${twin.name}`);
    const file: KeyFile = {
      version: KEY_FILE_VERSION,
      name,
      type: "local",
      algo: "secp256k1",
      address: encodeAddress(secp256k1Address(pubKey)),
      pub_key: { "@type": "/cosmos.crypto.secp256k1.PubKey", key: toBase64(pubKey) },
      hd_path: hdPath,
      created_at: new Date().toISOString(),
    };
    if (this.backend === "test") {
      file.private_key = toBase64(privateKey);
    } else {
      // The first key chooses the passphrase; later keys must use the same one, checked against a stored key.
      const passphrase = await this.#askPassphrase(existing.length === 0);
      if (existing.length === 0 && passphrase.length < MIN_PASSPHRASE_LENGTH) {
        throw new KeyringError(
          "weak_passphrase",
          `keyring passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`,
        );
      }
      if (existing.length > 0) await this.#decrypt(this.#read(existing[0]!.name), passphrase);
      file.crypto = await encryptSecret(privateKey, passphrase, associatedData(file));
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.#path(name), `${JSON.stringify(file, null, 2)}\n`, 0o600);
    return this.#info(file);
  }

  async #decrypt(file: KeyFile, passphrase: string): Promise<Uint8Array> {
    if (file.crypto === undefined)
      throw new KeyringError("invalid_key_file", `key ${file.name}: no encrypted key in file`);
    return decryptSecret(file.crypto, passphrase, associatedData(file), file.name);
  }

  /** The private key of `name` (asks for the passphrase with the file backend). */
  async privateKey(name: string): Promise<Uint8Array> {
    const file = this.#read(name);
    const info = this.#info(file);
    let privateKey: Uint8Array;
    if (file.private_key !== undefined) {
      if (this.backend !== "test")
        throw new KeyringError("invalid_key_file", `key ${name}: unencrypted key in the file keyring`);
      privateKey = fromBase64(file.private_key);
    } else {
      privateKey = await this.#decrypt(file, await this.#askPassphrase(false));
    }
    if (privateKey.length !== 32 || !bytesEqual(secp256k1PublicKeyOnce(privateKey), info.pubKey)) {
      throw new KeyringError("invalid_key_file", `key ${name}: private key does not match its public key`);
    }
    return privateKey;
  }

  /** A cosmjs signer for `name`, usable with SigningStargateClient. */
  async wallet(name: string, prefix = ACCOUNT_PREFIX): Promise<DirectSecp256k1Wallet> {
    const { DirectSecp256k1Wallet: Wallet } = await import("@cosmjs/proto-signing");
    return Wallet.fromKey(await this.privateKey(name), prefix);
  }

  /** Deletes a key; with the file backend only after the passphrase proves ownership. */
  async delete(name: string): Promise<void> {
    const file = this.#read(name);
    if (this.backend === "file") await this.#decrypt(file, await this.#askPassphrase(false));
    rmSync(this.#path(name));
  }
}
