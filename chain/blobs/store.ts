// Profile blob store of a node: encrypted company profiles by CID (CIDv1, raw, sha2-256), in the
// node's LevelDB, node keyspace byte 0x3f (chain/db-keyspace.ts). Blobs are node-local data, never
// hashed into state: the chain holds only their CIDs. Total storage is bounded.
//
//   0x3f 0x00            → usage: total blob bytes (uint64 BE) | blob count (uint64 BE)
//   0x3f 0x01 | CID bytes → the blob (36-byte binary CIDv1)
// A put writes the blob and the new usage in one batch, under a lock, so usage never drifts.
import type { ClassicLevel } from "classic-level";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { MAX_PROFILE_BLOB_BYTES } from "../../client/identity-profile.ts";
import { checkCid } from "../../modules/identity/validation.ts";
import { KEYSPACE } from "../db-keyspace.ts";
import { Mutex } from "../util/mutex.ts";

export const BLOB_KEY_BYTE = KEYSPACE.blobs;
const USAGE_KEY = Uint8Array.of(BLOB_KEY_BYTE, 0x00);
const BLOB_PREFIX = 0x01;
/** Default bound on all blobs of a node: 1 GiB = 1,024 profiles at the 1 MiB maximum, far more at
 * realistic sizes (a few kB); a full store refuses new blobs rather than fill the disk. */
export const DEFAULT_MAX_TOTAL_BLOB_BYTES = 1024 * 1024 * 1024;
export { MAX_PROFILE_BLOB_BYTES };

export type BlobErrorCode = "invalid_cid" | "too_large" | "cid_mismatch" | "storage_full" | "not_referenced";

export class BlobError extends Error {
  readonly code: BlobErrorCode;
  constructor(code: BlobErrorCode, message: string) {
    super(message);
    this.name = "BlobError";
    this.code = code;
  }
}

export interface BlobUsage {
  bytes: bigint;
  count: bigint;
}

/** The binary CID of a profile CID string, or invalid_cid (same rules as token CIDs). */
export function parseBlobCid(text: string): Uint8Array {
  try {
    return checkCid(text, "cid");
  } catch (error) {
    throw new BlobError("invalid_cid", (error as Error).message);
  }
}

/** The CIDv1 (raw, sha2-256) of bytes, in base32. */
export async function blobCid(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}

function blobKey(cidBytes: Uint8Array): Uint8Array {
  const key = new Uint8Array(2 + cidBytes.length);
  key.set([BLOB_KEY_BYTE, BLOB_PREFIX], 0);
  key.set(cidBytes, 2);
  return key;
}

function encodeUsage(usage: BlobUsage): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, usage.bytes);
  view.setBigUint64(8, usage.count);
  return bytes;
}

function decodeUsage(bytes: Uint8Array | undefined): BlobUsage {
  if (bytes === undefined) return { bytes: 0n, count: 0n };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { bytes: view.getBigUint64(0), count: view.getBigUint64(8) };
}

export interface BlobStoreOptions {
  db: ClassicLevel<Uint8Array, Uint8Array>;
  maxBlobBytes?: number;
  maxTotalBytes?: number;
}

export class BlobStore {
  readonly maxBlobBytes: number;
  readonly maxTotalBytes: number;
  readonly #db: ClassicLevel<Uint8Array, Uint8Array>;
  readonly #lock = new Mutex();

  constructor(options: BlobStoreOptions) {
    this.#db = options.db;
    this.maxBlobBytes = options.maxBlobBytes ?? MAX_PROFILE_BLOB_BYTES;
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BLOB_BYTES;
  }

  async get(cid: string): Promise<Uint8Array | undefined> {
    return this.#db.get(blobKey(parseBlobCid(cid)));
  }

  async usage(): Promise<BlobUsage> {
    return decodeUsage(await this.#db.get(USAGE_KEY));
  }

  /** Stores `bytes` under `cid` after checking the CID is theirs; false when it was stored already. */
  async put(cid: string, bytes: Uint8Array): Promise<boolean> {
    const cidBytes = parseBlobCid(cid);
    if (bytes.length > this.maxBlobBytes)
      throw new BlobError("too_large", `blob is ${bytes.length} bytes, the limit is ${this.maxBlobBytes}`);
    const actual = await blobCid(bytes);
    if (actual !== cid) throw new BlobError("cid_mismatch", `the body hashes to ${actual}, not ${cid}`);
    const key = blobKey(cidBytes);
    return this.#lock.run(async () => {
      if ((await this.#db.get(key)) !== undefined) return false;
      const usage = await this.usage();
      const total = usage.bytes + BigInt(bytes.length);
      if (total > BigInt(this.maxTotalBytes))
        throw new BlobError(
          "storage_full",
          `the node stores ${usage.bytes} of at most ${this.maxTotalBytes} blob bytes; ${bytes.length} more do not fit`,
        );
      await this.#db.batch([
        { type: "put", key, value: bytes },
        { type: "put", key: USAGE_KEY, value: encodeUsage({ bytes: total, count: usage.count + 1n }) },
      ]);
      return true;
    });
  }
}
