// The gossip message of reading replication (proto/sensorchain/bridge/v1/gossip.proto ReadingBatch):
// canonical encoding, the node key's signature over domain-separated sign bytes, and decoding with
// limits. A batch is accepted only in canonical encoding, so one batch has one gossipsub message id.
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { peerIdOfPublicKey } from "../../chain/p2p/host.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/bridge.js";
import { ReadingBatchRejected } from "./errors.ts";
import {
  MAX_BATCH_READING_BYTES,
  MAX_CACHED_NODE_KEYS,
  MAX_READING_BATCH_MESSAGE_BYTES,
  MAX_READINGS_PER_BATCH,
  MAX_REPLICATED_READING_BYTES,
} from "./limits.ts";

export const pb = sensorchain.bridge.v1;

/** Prefix of the bytes a node key signs: no other message signed by a node key can be a batch. */
export const BATCH_SIGN_DOMAIN = Buffer.from("sensorchain-reading-batch/v1", "utf8");
export const NODE_PUBLIC_KEY_BYTES = 32;
export const NODE_SIGNATURE_BYTES = 64;
/** DER headers of ed25519 keys (RFC 8410): PKCS#8 around a 32-byte seed, SPKI around a public key. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface ReadingBatch {
  chainId: string;
  nodePublicKey: Uint8Array;
  batchSequence: bigint;
  createdMs: bigint;
  /** Canonical Reading bytes as stored. */
  readings: Uint8Array[];
  signature: Uint8Array;
}

function toProto(batch: ReadingBatch) {
  return {
    chainId: batch.chainId,
    nodePublicKey: batch.nodePublicKey,
    batchSequence: toLong(batch.batchSequence),
    createdMs: toLong(batch.createdMs),
    readings: batch.readings,
    signature: batch.signature,
  };
}

export function encodeReadingBatch(batch: ReadingBatch): Uint8Array {
  return encodeCanonical(pb.ReadingBatch, toProto(batch));
}

/** What the node key signs: the domain, then the canonical batch with `signature` empty. */
export function batchSignBytes(batch: ReadingBatch): Uint8Array {
  return Buffer.concat([BATCH_SIGN_DOMAIN, encodeReadingBatch({ ...batch, signature: new Uint8Array(0) })]);
}

/** Signs batches with the node key (config/node_key.json): the key libp2p derives the peer id from. */
export class NodeKeySigner {
  readonly publicKey: Uint8Array;
  readonly #privateKey: KeyObject;

  constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new RangeError(`node key seed is ${seed.length} bytes, not 32`);
    this.#privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: "der",
      type: "pkcs8",
    });
    this.publicKey = Buffer.from(createPublicKey(this.#privateKey).export({ format: "jwk" }).x!, "base64url");
  }

  /** A signed batch of these readings. */
  signBatch(fields: Omit<ReadingBatch, "nodePublicKey" | "signature">): ReadingBatch {
    const unsigned: ReadingBatch = { ...fields, nodePublicKey: this.publicKey, signature: new Uint8Array(0) };
    return { ...unsigned, signature: sign(null, batchSignBytes(unsigned), this.#privateKey) };
  }
}

/** KeyObject and libp2p peer id per node public key, oldest dropped first. */
const nodeKeys = new Map<string, { key: KeyObject; peerId: string }>();

function nodeKey(publicKey: Uint8Array): { key: KeyObject; peerId: string } {
  const id = Buffer.from(publicKey).toString("latin1");
  let entry = nodeKeys.get(id);
  if (entry === undefined) {
    entry = {
      key: createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
        format: "der",
        type: "spki",
      }),
      peerId: peerIdOfPublicKey(publicKey),
    };
    if (nodeKeys.size >= MAX_CACHED_NODE_KEYS) nodeKeys.delete(nodeKeys.keys().next().value!);
    nodeKeys.set(id, entry);
  }
  return entry;
}

/** The libp2p peer id of a batch's node key (what isValidatorPeer knows). */
export function batchPeerId(batch: ReadingBatch): string {
  return nodeKey(batch.nodePublicKey).peerId;
}

/** True when the batch's signature is its node key's. Never throws. */
export function verifyBatchSignature(batch: ReadingBatch): boolean {
  if (batch.signature.length !== NODE_SIGNATURE_BYTES) return false;
  try {
    return verify(null, batchSignBytes(batch), nodeKey(batch.nodePublicKey).key, batch.signature);
  } catch {
    return false;
  }
}

const rejected = (code: ReadingBatchRejected["code"], message: string) =>
  new ReadingBatchRejected(code, message);

/** Decodes a gossiped batch and checks its shape: size before decoding, then field lengths, reading
 * count and bytes, canonical encoding. Throws ReadingBatchRejected. Signatures are checked apart. */
export function decodeReadingBatch(bytes: Uint8Array): ReadingBatch {
  if (bytes.length > MAX_READING_BATCH_MESSAGE_BYTES)
    throw rejected("oversized", `batch of ${bytes.length} bytes, at most ${MAX_READING_BATCH_MESSAGE_BYTES}`);
  let message: ReturnType<typeof pb.ReadingBatch.decode>;
  try {
    message = pb.ReadingBatch.decode(bytes);
  } catch {
    throw rejected("malformed", "not a sensorchain.bridge.v1.ReadingBatch");
  }
  const batch: ReadingBatch = {
    chainId: message.chainId ?? "",
    nodePublicKey: message.nodePublicKey ?? new Uint8Array(0),
    batchSequence: BigInt((message.batchSequence ?? 0).toString()),
    createdMs: BigInt((message.createdMs ?? 0).toString()),
    readings: message.readings ?? [],
    signature: message.signature ?? new Uint8Array(0),
  };
  if (batch.nodePublicKey.length !== NODE_PUBLIC_KEY_BYTES)
    throw rejected("malformed", `node_public_key is ${batch.nodePublicKey.length} bytes, not 32`);
  if (batch.signature.length !== NODE_SIGNATURE_BYTES)
    throw rejected("malformed", `signature is ${batch.signature.length} bytes, not 64`);
  if (batch.readings.length === 0) throw rejected("malformed", "a batch without readings");
  if (batch.readings.length > MAX_READINGS_PER_BATCH)
    throw rejected("oversized", `${batch.readings.length} readings, at most ${MAX_READINGS_PER_BATCH}`);
  let total = 0;
  for (const reading of batch.readings) {
    if (reading.length === 0 || reading.length > MAX_REPLICATED_READING_BYTES)
      throw rejected("malformed", `a reading of ${reading.length} bytes`);
    total += reading.length;
  }
  if (total > MAX_BATCH_READING_BYTES)
    throw rejected("oversized", `${total} bytes of readings, at most ${MAX_BATCH_READING_BYTES}`);
  if (!Buffer.from(encodeReadingBatch(batch)).equals(bytes))
    throw rejected("not_canonical", "the batch is not in canonical encoding");
  return batch;
}
