// The gossip message of reading replication (proto/sensorchain/bridge/v1/gossip.proto ReadingBatch):
// canonical encoding, the node key's signature over domain-separated sign bytes, and decoding with
// limits. A batch is accepted only in canonical encoding, so one batch has one gossipsub message id.
import { Ed25519Signer, verifyEd25519 } from "../../chain/crypto/ed25519.ts";
import { peerIdOfPublicKey } from "../../chain/p2p/host.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/bridge.js";
import { ReadingBatchRejected } from "./errors.ts";
import {
  MAX_BATCH_READING_BYTES,
  MAX_READING_BATCH_MESSAGE_BYTES,
  MAX_READINGS_PER_BATCH,
  MAX_REPLICATED_READING_BYTES,
} from "./limits.ts";

export const pb = sensorchain.bridge.v1;

/** Prefix of the bytes a node key signs: no other message signed by a node key can be a batch. */
export const BATCH_SIGN_DOMAIN = Buffer.from("sensorchain-reading-batch/v1", "utf8");
export const NODE_PUBLIC_KEY_BYTES = 32;
export const NODE_SIGNATURE_BYTES = 64;

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
  readonly #key: Ed25519Signer;

  constructor(seed: Uint8Array) {
    this.#key = new Ed25519Signer(seed);
    this.publicKey = this.#key.publicKey;
  }

  /** A signed batch of these readings. */
  signBatch(fields: Omit<ReadingBatch, "nodePublicKey" | "signature">): ReadingBatch {
    const unsigned: ReadingBatch = { ...fields, nodePublicKey: this.publicKey, signature: new Uint8Array(0) };
    return { ...unsigned, signature: this.#key.sign(batchSignBytes(unsigned)) };
  }
}

/** The libp2p peer id of a batch's node key (what isValidatorPeer knows). */
export function batchPeerId(batch: ReadingBatch): string {
  return peerIdOfPublicKey(batch.nodePublicKey);
}

/** True when the batch's signature is its node key's. Never throws. */
export function verifyBatchSignature(batch: ReadingBatch): boolean {
  return verifyEd25519(batch.signature, batchSignBytes(batch), batch.nodePublicKey);
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
