// Company profiles, encrypted on the company's side only (browser-friendly: WebCrypto AES-GCM,
// @noble/hashes scrypt, multiformats). The secret never leaves this code; only the blob does.
//
// Blob layout, version 1 (all of bytes 0-36 are the AES-GCM additional data, so no header field can
// be changed without the tag failing):
//   0-3   magic "SCPB" (0x53 0x43 0x50 0x42)
//   4     version 0x01
//   5     key derivation 0x01 = scrypt
//   6     log2(N) of scrypt (MIN_LOG2_N..MAX_LOG2_N)
//   7     r of scrypt (1..MAX_SCRYPT_R)
//   8     p of scrypt (1..MAX_SCRYPT_P)
//   9-24  salt, 16 random bytes
//   25-36 AES-GCM nonce, 12 random bytes
//   37-   AES-256-GCM ciphertext of the profile JSON, then its 16-byte tag
// key = scrypt(UTF-8 of NFKC(secret), salt, N, r, p, 32 bytes).
// Plaintext: JSON {"format":"sensorchain.company-profile.v1","profile":{…}} with profile.name set.
import type { webcrypto } from "node:crypto";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";

/** Largest blob the node stores (chain/blobs): a profile is a few kB of JSON; 1 MiB leaves room. */
export const MAX_PROFILE_BLOB_BYTES = 1024 * 1024;
export const PROFILE_FORMAT = "sensorchain.company-profile.v1";
const MAGIC = [0x53, 0x43, 0x50, 0x42] as const;
const VERSION = 1;
const KDF_SCRYPT = 1;
export const SALT_BYTES = 16;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const HEADER_BYTES = 4 + 1 + 1 + 3 + SALT_BYTES + NONCE_BYTES;
/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB of memory, ~0.1-0.3 s): the usual interactive setting. */
export const DEFAULT_SCRYPT = { log2N: 15, r: 8, p: 1 } as const;
/** Bounds a blob may ask for: below 2^10 the secret is barely stretched; above 2^17 × r 8 a decrypt
 * needs more than 128 MiB, which a hostile blob could use to exhaust a browser tab. */
export const MIN_LOG2_N = 10;
export const MAX_LOG2_N = 17;
export const MAX_SCRYPT_R = 8;
export const MAX_SCRYPT_P = 4;
/** A secret shorter than this is refused at encryption: it is the only thing guarding the profile. */
export const MIN_SECRET_CHARS = 12;

export type ProfileErrorCode =
  | "weak_secret"
  | "malformed_blob"
  | "wrong_secret"
  | "malformed_profile"
  | "oversized";

export class ProfileError extends Error {
  readonly code: ProfileErrorCode;
  constructor(code: ProfileErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProfileError";
    this.code = code;
  }
}

/** What a company keeps in its profile: name is required; the rest is free JSON. */
export interface CompanyProfile {
  name: string;
  registrationNumber?: string;
  sector?: string;
  /** Ids of its smart meters (device ids, SSSS_NNNN). */
  meterIds?: string[];
  /** Decimal strings: no floats anywhere near a hash. */
  annualProductionKwh?: string;
  annualConsumptionKwh?: string;
  [field: string]: unknown;
}

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export interface EncryptOptions {
  scrypt?: ScryptParams;
  /** Test vectors only: fixed salt and nonce (never reuse a nonce with the same key). */
  salt?: Uint8Array;
  nonce?: Uint8Array;
}

const utf8 = new TextEncoder();

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function checkScrypt(params: ScryptParams): void {
  const { log2N, r, p } = params;
  if (!Number.isInteger(log2N) || log2N < MIN_LOG2_N || log2N > MAX_LOG2_N)
    throw new ProfileError(
      "malformed_blob",
      `scrypt log2(N) must be ${MIN_LOG2_N}..${MAX_LOG2_N}, got ${log2N}`,
    );
  if (!Number.isInteger(r) || r < 1 || r > MAX_SCRYPT_R)
    throw new ProfileError("malformed_blob", `scrypt r must be 1..${MAX_SCRYPT_R}, got ${r}`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_SCRYPT_P)
    throw new ProfileError("malformed_blob", `scrypt p must be 1..${MAX_SCRYPT_P}, got ${p}`);
}

async function deriveKey(
  secret: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<webcrypto.CryptoKey> {
  const keyBytes = await scryptAsync(utf8.encode(secret.normalize("NFKC")), salt, {
    N: 2 ** params.log2N,
    r: params.r,
    p: params.p,
    dkLen: 32,
  });
  try {
    return await globalThis.crypto.subtle.importKey(
      "raw",
      keyBytes as Uint8Array<ArrayBuffer>,
      "AES-GCM",
      false,
      ["encrypt", "decrypt"],
    );
  } finally {
    keyBytes.fill(0);
  }
}

/** Throws malformed_profile unless the value is a profile object with a non-empty name. */
export function checkProfile(value: unknown): CompanyProfile {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ProfileError("malformed_profile", "the profile is not a JSON object");
  const profile = value as Record<string, unknown>;
  if (typeof profile.name !== "string" || profile.name.trim() === "")
    throw new ProfileError("malformed_profile", "the profile has no name");
  if (
    profile.meterIds !== undefined &&
    (!Array.isArray(profile.meterIds) || !profile.meterIds.every((id) => typeof id === "string"))
  )
    throw new ProfileError("malformed_profile", "meterIds must be a list of strings");
  for (const field of ["annualProductionKwh", "annualConsumptionKwh"])
    if (
      profile[field] !== undefined &&
      (typeof profile[field] !== "string" || !/^[0-9]+(\.[0-9]+)?$/.test(profile[field]))
    )
      throw new ProfileError("malformed_profile", `${field} must be a decimal string`);
  return profile as CompanyProfile;
}

/** Encrypts a profile under a key derived from `secret`; the result is what the node stores. */
export async function encryptProfile(
  profile: CompanyProfile,
  secret: string,
  options: EncryptOptions = {},
): Promise<Uint8Array> {
  if (secret.normalize("NFKC").length < MIN_SECRET_CHARS)
    throw new ProfileError("weak_secret", `the secret must have at least ${MIN_SECRET_CHARS} characters`);
  checkProfile(profile);
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  checkScrypt(params);
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const nonce = options.nonce ?? randomBytes(NONCE_BYTES);
  if (salt.length !== SALT_BYTES || nonce.length !== NONCE_BYTES)
    throw new TypeError(`salt is ${SALT_BYTES} bytes and nonce ${NONCE_BYTES} bytes`);
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC, 0);
  header.set([VERSION, KDF_SCRYPT, params.log2N, params.r, params.p], 4);
  header.set(salt, 9);
  header.set(nonce, 9 + SALT_BYTES);
  const plaintext = utf8.encode(JSON.stringify({ format: PROFILE_FORMAT, profile }));
  const key = await deriveKey(secret, salt, params);
  const ciphertext = new Uint8Array(
    await globalThis.crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce as Uint8Array<ArrayBuffer>, additionalData: header, tagLength: 128 },
      key,
      plaintext,
    ),
  );
  const blob = new Uint8Array(HEADER_BYTES + ciphertext.length);
  blob.set(header, 0);
  blob.set(ciphertext, HEADER_BYTES);
  if (blob.length > MAX_PROFILE_BLOB_BYTES)
    throw new ProfileError(
      "oversized",
      `the encrypted profile is ${blob.length} bytes, over ${MAX_PROFILE_BLOB_BYTES}`,
    );
  return blob;
}

/** The header fields of a blob; throws malformed_blob when it is not one of ours. */
export function parseBlobHeader(blob: Uint8Array): {
  scrypt: ScryptParams;
  salt: Uint8Array;
  nonce: Uint8Array;
} {
  if (blob.length > MAX_PROFILE_BLOB_BYTES)
    throw new ProfileError("oversized", `blob is ${blob.length} bytes, over ${MAX_PROFILE_BLOB_BYTES}`);
  if (blob.length < HEADER_BYTES + TAG_BYTES)
    throw new ProfileError("malformed_blob", `blob is ${blob.length} bytes, shorter than header and tag`);
  if (!MAGIC.every((byte, index) => blob[index] === byte))
    throw new ProfileError("malformed_blob", "not a sensorchain profile blob (bad magic)");
  if (blob[4] !== VERSION) throw new ProfileError("malformed_blob", `unknown blob version ${blob[4]}`);
  if (blob[5] !== KDF_SCRYPT) throw new ProfileError("malformed_blob", `unknown key derivation ${blob[5]}`);
  const scrypt = { log2N: blob[6]!, r: blob[7]!, p: blob[8]! };
  checkScrypt(scrypt);
  return { scrypt, salt: blob.slice(9, 9 + SALT_BYTES), nonce: blob.slice(9 + SALT_BYTES, HEADER_BYTES) };
}

/** Decrypts and parses a blob: wrong_secret when the tag fails, malformed_* otherwise. */
export async function decryptProfile(blob: Uint8Array, secret: string): Promise<CompanyProfile> {
  const { scrypt, salt, nonce } = parseBlobHeader(blob);
  const key = await deriveKey(secret, salt, scrypt);
  let plaintext: Uint8Array;
  try {
    plaintext = new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: nonce as Uint8Array<ArrayBuffer>,
          additionalData: blob.subarray(0, HEADER_BYTES) as Uint8Array<ArrayBuffer>,
          tagLength: 128,
        },
        key,
        blob.subarray(HEADER_BYTES) as Uint8Array<ArrayBuffer>,
      ),
    );
  } catch (error) {
    // With the CID checked first, a failing tag means the key, hence the secret, is wrong.
    throw new ProfileError("wrong_secret", "the secret does not decrypt this profile", { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch (error) {
    throw new ProfileError("malformed_profile", "the decrypted profile is not UTF-8 JSON", { cause: error });
  }
  const envelope = parsed as { format?: unknown; profile?: unknown } | null;
  if (envelope === null || typeof envelope !== "object" || envelope.format !== PROFILE_FORMAT)
    throw new ProfileError("malformed_profile", `the decrypted profile is not ${PROFILE_FORMAT}`);
  return checkProfile(envelope.profile);
}

/** CIDv1 (raw codec 0x55, sha2-256) of blob bytes, in base32: what a token's profile_cid holds. */
export async function profileCid(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}
