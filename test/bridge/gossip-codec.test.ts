// The reading batch codec (bridge-mqtt/gossip/batch-codec.ts) and repair request checks: node-key
// signatures whose key is the libp2p identity, domain-separated sign bytes, and every decode limit.
import { randomBytes } from "node:crypto";
import test from "ava";
import {
  BATCH_SIGN_DOMAIN,
  batchPeerId,
  batchSignBytes,
  decodeReadingBatch,
  encodeReadingBatch,
  NodeKeySigner,
  pb,
  verifyBatchSignature,
} from "../../bridge-mqtt/gossip/batch-codec.ts";
import { ReadingBatchRejected, RepairResponseRejected } from "../../bridge-mqtt/gossip/errors.ts";
import {
  MAX_BATCH_READING_BYTES,
  MAX_READING_BATCH_MESSAGE_BYTES,
  MAX_READINGS_PER_BATCH,
  MAX_REPAIR_READINGS,
  MAX_REPLICATED_READING_BYTES,
} from "../../bridge-mqtt/gossip/limits.ts";
import {
  decodeRepairRequest,
  decodeRepairResponse,
  encodeRepairRequest,
  encodeRepairResponse,
} from "../../bridge-mqtt/gossip/repair.ts";
import { peerIdOfNodeKey } from "../../chain/p2p/host.ts";
import { toLong } from "../../proto/canonical.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const seed = randomBytes(32);
const signer = new NodeKeySigner(seed);
const device = ed25519Key();
const reading = (sequence: bigint) => signedReading(device, { deviceId: "D035_0001", sequence }).payload;

function batchOf(readings: Uint8Array[]) {
  return signer.signBatch({ chainId: "c-1", batchSequence: 1n, createdMs: 1_700_000_000_000n, readings });
}

function codeOf(bytes: Uint8Array): string {
  const error = (() => {
    try {
      decodeReadingBatch(bytes);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  return error instanceof ReadingBatchRejected ? error.code : "accepted";
}

test("a batch is signed by the node key whose peer id is the node's libp2p id", async (t) => {
  const batch = batchOf([reading(1n), reading(2n)]);
  t.is(batchPeerId(batch), await peerIdOfNodeKey(seed));
  t.true(verifyBatchSignature(batch));
  const decoded = decodeReadingBatch(encodeReadingBatch(batch));
  t.deepEqual(decoded.readings, batch.readings);
  t.is(decoded.batchSequence, 1n);
  t.true(verifyBatchSignature(decoded));
  t.deepEqual(Buffer.from(batchSignBytes(batch)).subarray(0, BATCH_SIGN_DOMAIN.length), BATCH_SIGN_DOMAIN);
  // Any change to what was signed breaks the signature.
  t.false(verifyBatchSignature({ ...batch, chainId: "c-2" }));
  t.false(verifyBatchSignature({ ...batch, readings: [reading(1n)] }));
  t.false(verifyBatchSignature({ ...batch, nodePublicKey: new NodeKeySigner(randomBytes(32)).publicKey }));
  t.false(verifyBatchSignature({ ...batch, signature: new Uint8Array(63) }));
});

test("decoding refuses oversized, malformed and non-canonical batches", (t) => {
  const good = batchOf([reading(1n)]);
  t.is(codeOf(encodeReadingBatch(good)), "accepted");
  t.is(codeOf(new Uint8Array(MAX_READING_BATCH_MESSAGE_BYTES + 1)), "oversized");
  t.is(codeOf(randomBytes(200)), "malformed");
  t.is(codeOf(encodeReadingBatch({ ...good, readings: [] })), "malformed");
  t.is(codeOf(encodeReadingBatch({ ...good, nodePublicKey: new Uint8Array(31) })), "malformed");
  t.is(codeOf(encodeReadingBatch({ ...good, signature: new Uint8Array(0) })), "malformed");
  t.is(codeOf(encodeReadingBatch({ ...good, readings: [new Uint8Array(4_097)] })), "malformed");
  const many = Array.from({ length: MAX_READINGS_PER_BATCH + 1 }, () => reading(1n));
  t.is(codeOf(encodeReadingBatch({ ...good, readings: many })), "oversized");
  const heavy = Array.from(
    { length: Math.ceil(MAX_BATCH_READING_BYTES / 4_000) + 1 },
    () => new Uint8Array(4_000),
  );
  t.is(codeOf(encodeReadingBatch({ ...good, readings: heavy })), "oversized");
  // Zero written explicitly (protobufjs writes set fields) is the same batch in another encoding.
  const explicitZero = pb.ReadingBatch.encode({
    chainId: good.chainId,
    nodePublicKey: good.nodePublicKey,
    batchSequence: toLong(0n),
    createdMs: toLong(good.createdMs),
    readings: good.readings,
    signature: good.signature,
  }).finish();
  t.is(codeOf(explicitZero), "not_canonical");
});

test("repair requests: a device id, a day that fits four bytes, a limit in range", (t) => {
  const ok = { deviceId: "D035_0001", day: 20_000n, afterSequence: 5n, limit: 10 };
  t.deepEqual(decodeRepairRequest(encodeRepairRequest(ok)), ok);
  const code = (request: typeof ok) => {
    try {
      decodeRepairRequest(encodeRepairRequest(request));
      return "accepted";
    } catch (error) {
      return (error as Error & { code?: string }).code;
    }
  };
  t.is(code({ ...ok, deviceId: "not an id" }), "bad_request");
  t.is(code({ ...ok, day: 1n << 32n }), "bad_request");
  t.is(code({ ...ok, limit: MAX_REPAIR_READINGS + 1 }), "bad_request");
  t.throws(() => decodeRepairRequest(randomBytes(300)), { instanceOf: Error });
});

test("repair responses: at most the readings asked for, each 1 byte to the reading bound, else a coded rejection", (t) => {
  const readings = [reading(1n), reading(2n)];
  t.deepEqual(decodeRepairResponse(encodeRepairResponse({ readings, more: true }), 2), {
    readings,
    more: true,
  });
  const code = (bytes: Uint8Array, limit: number) => {
    try {
      decodeRepairResponse(bytes, limit);
      return "accepted";
    } catch (error) {
      return error instanceof RepairResponseRejected ? error.code : "untyped";
    }
  };
  t.is(code(encodeRepairResponse({ readings, more: false }), 1), "too_many_readings");
  t.is(code(encodeRepairResponse({ readings: [new Uint8Array(0)], more: false }), 1), "bad_reading_size");
  const oversized = new Uint8Array(MAX_REPLICATED_READING_BYTES + 1);
  t.is(code(encodeRepairResponse({ readings: [oversized], more: false }), 1), "bad_reading_size");
  t.is(code(Uint8Array.of(0x0a, 0xff), 1), "malformed");
});
