// One file per key in the keyring folder. The `file` backend encrypts the private key with
// AES-256-GCM under a key derived from the keyring passphrase by scrypt; the `test` backend stores it
// in the clear, for development only, as the Cosmos SDK's test backend does. Name, address and public
// key stay readable so that `keys list/show` never needs the passphrase.
import { createCipheriv, createDecipheriv, type DecipherGCM, randomBytes, scrypt } from "node:crypto";
import { fromBase64, toBase64, utf8 } from "./hash.ts";

export const KEY_FILE_VERSION = 1;
/** scrypt cost: N = 2^15, r = 8, p = 1 (the Ethereum keystore "standard" setting), ~0.1 s, 32 MiB. */
export const SCRYPT_N = 1 << 15;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
/** node:crypto refuses scrypt above maxmem; 128·N·r is 32 MiB here, so allow twice that. */
const SCRYPT_MAX_MEMORY = 64 * 1024 * 1024;
/** Upper bounds on kdf parameters read from a file, so a crafted file cannot make us allocate gigabytes. */
const MAX_SCRYPT_N = 1 << 20;
const SALT_BYTES = 32;
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class KeyringError extends Error {
  readonly code:
    | "wrong_passphrase"
    | "key_not_found"
    | "key_exists"
    | "invalid_key_file"
    | "invalid_key_name"
    | "no_passphrase"
    | "weak_passphrase";
  constructor(code: KeyringError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export interface EncryptedSecret {
  cipher: "aes-256-gcm";
  ciphertext: string;
  iv: string;
  tag: string;
  kdf: "scrypt";
  kdfparams: { n: number; r: number; p: number; dklen: number; salt: string };
}

export interface KeyFile {
  version: number;
  name: string;
  type: "local";
  algo: "secp256k1";
  address: string;
  pub_key: { "@type": "/cosmos.crypto.secp256k1.PubKey"; key: string };
  /** HD path the key was derived on, or "" for a raw imported key. */
  hd_path: string;
  created_at: string;
  /** `file` backend. */
  crypto?: EncryptedSecret;
  /** `test` backend: the private key, base64, unencrypted. */
  private_key?: string;
}

function deriveKey(passphrase: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize("NFKC"),
      salt,
      KEY_BYTES,
      { N: n, r, p, maxmem: SCRYPT_MAX_MEMORY * Math.max(1, n / SCRYPT_N) },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    ),
  );
}

/** Encrypts `secret`; `associated` (the file's public fields) is authenticated so it cannot be swapped. */
export async function encryptSecret(
  secret: Uint8Array,
  passphrase: string,
  associated: string,
): Promise<EncryptedSecret> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveKey(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(utf8.encode(associated));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    cipher: "aes-256-gcm",
    ciphertext: toBase64(ciphertext),
    iv: toBase64(iv),
    tag: toBase64(cipher.getAuthTag()),
    kdf: "scrypt",
    kdfparams: { n: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, dklen: KEY_BYTES, salt: toBase64(salt) },
  };
}

export async function decryptSecret(
  encrypted: EncryptedSecret,
  passphrase: string,
  associated: string,
  keyName: string,
): Promise<Uint8Array> {
  const { n, r, p, dklen, salt } = encrypted.kdfparams ?? ({} as EncryptedSecret["kdfparams"]);
  if (
    encrypted.cipher !== "aes-256-gcm" ||
    encrypted.kdf !== "scrypt" ||
    !Number.isInteger(n) ||
    n < 2 ||
    n > MAX_SCRYPT_N ||
    (n & (n - 1)) !== 0 ||
    !Number.isInteger(r) ||
    r < 1 ||
    r > 32 ||
    !Number.isInteger(p) ||
    p < 1 ||
    p > 16 ||
    dklen !== KEY_BYTES
  ) {
    throw new KeyringError("invalid_key_file", `key ${keyName}: unsupported cipher or kdf parameters`);
  }
  let key: Buffer;
  let decipher: DecipherGCM;
  let ciphertext: Uint8Array;
  try {
    key = await deriveKey(passphrase, fromBase64(salt), n, r, p);
    decipher = createDecipheriv("aes-256-gcm", key, fromBase64(encrypted.iv));
    decipher.setAuthTag(fromBase64(encrypted.tag));
    decipher.setAAD(utf8.encode(associated));
    ciphertext = fromBase64(encrypted.ciphertext);
  } catch (error) {
    throw new KeyringError(
      "invalid_key_file",
      `key ${keyName}: damaged key file (${(error as Error).message})`,
    );
  }
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    // GCM authentication fails alike for a wrong passphrase and a tampered file; the first is far likelier.
    throw new KeyringError(
      "wrong_passphrase",
      `wrong keyring passphrase for key ${keyName} (or the key file was altered)`,
    );
  }
}

/** The public fields of a key file, bound into the ciphertext as GCM associated data. */
export function associatedData(file: Pick<KeyFile, "address" | "pub_key" | "hd_path">): string {
  return JSON.stringify([file.address, file.pub_key.key, file.hd_path]);
}
