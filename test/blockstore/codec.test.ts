// The block store's hand-assembled encodings are byte-identical to the generated CometBFT encoders,
// and event index keys built in one allocation equal the documented layout.
import test from "ava";
import {
  ExecTxResult as ProtoExecTxResult,
  ResponseFinalizeBlock as ProtoFinalizeBlock,
  TxResult as ProtoTxResult,
} from "cosmjs-types/tendermint/abci/types";
import type { ExecTxResult, FinalizeBlockResponse } from "../../chain/app/abci.ts";
import { byteArena } from "../../chain/blockstore/byte-arena.ts";
import { encodeExecTxResult, encodeResults, encodeTxRecord } from "../../chain/blockstore/codec.ts";
import { eventKey, eventPrefix, heightBytes, PREFIX, txByHeightKey } from "../../chain/blockstore/keys.ts";
import { indexedAttributes } from "../../chain/blockstore/match.ts";

function result(code: number, events: ExecTxResult["events"]): ExecTxResult {
  return {
    code,
    codespace: code === 0 ? "" : "sdk",
    log: code === 0 ? "" : "failed",
    data: code === 0 ? Uint8Array.of(1, 2, 3) : new Uint8Array(0),
    info: "",
    gasWanted: 200_000n,
    gasUsed: code === 0 ? 61_234n : 0n,
    events,
  };
}

const events = [
  {
    type: "transfer",
    attributes: [
      { key: "recipient", value: "sensor1r", index: true },
      { key: "amount", value: "5usensor", index: false },
    ],
  },
  { type: "message", attributes: [{ key: "sender", value: "sensor1s", index: true }] },
];

test("results and tx records equal the generated encoders' bytes", (t) => {
  const txResults = [result(0, events), result(5, []), result(0, [])];
  const variants: FinalizeBlockResponse[] = [
    { events: [], txResults: [], validatorUpdates: [], appHash: new Uint8Array(0) },
    {
      events,
      txResults,
      validatorUpdates: [{ pubKey: new Uint8Array(32).fill(7), power: 10n }],
      consensusParamUpdates: {
        block: { maxBytes: 22_020_096n, maxGas: -1n },
        evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_123n, maxBytes: 1_048_576n },
        validator: { pubKeyTypes: ["ed25519"] },
        version: { app: 1n },
      },
      appHash: new Uint8Array(32).fill(9),
    },
  ];
  for (const results of variants) {
    const expected = ProtoFinalizeBlock.encode({
      events: results.events,
      txResults: results.txResults,
      validatorUpdates: results.validatorUpdates.map((u) => ({
        pubKey: { ed25519: u.pubKey },
        power: u.power,
      })),
      ...(results.consensusParamUpdates === undefined
        ? {}
        : {
            consensusParamUpdates: {
              block: results.consensusParamUpdates.block,
              evidence: {
                maxAgeNumBlocks: results.consensusParamUpdates.evidence.maxAgeNumBlocks,
                maxAgeDuration: { seconds: 172_800n, nanos: 123 },
                maxBytes: results.consensusParamUpdates.evidence.maxBytes,
              },
              validator: { pubKeyTypes: ["ed25519"] },
              version: { app: 1n },
            },
          }),
      appHash: results.appHash,
    }).finish();
    t.deepEqual(encodeResults(results), expected);
    t.deepEqual(
      encodeResults(
        results,
        results.txResults.map((result) => encodeExecTxResult(result)),
      ),
      expected,
    );
  }
  const allocate = byteArena();
  for (const [position, txResult] of txResults.entries()) {
    // Heights and indexes around varint sizes, past 2^31 (cosmjs-types' int64 bug) and 2^53 (the
    // hand encoder's range); txs empty, short and over 127 bytes.
    for (const height of [
      0n,
      1n,
      127n,
      128n,
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 40n,
      2n ** 53n - 1n,
      2n ** 53n,
    ]) {
      for (const index of [position, 128, 2 ** 31]) {
        const record = {
          height,
          index,
          tx:
            position === 2 ? new Uint8Array(0) : new Uint8Array(position === 1 ? 200 : 2).fill(index & 0xff),
          result: txResult,
        };
        const expected = ProtoTxResult.encode(record).finish();
        t.deepEqual(encodeTxRecord(record), expected);
        t.deepEqual(encodeTxRecord(record, encodeExecTxResult(txResult, allocate), allocate), expected);
      }
    }
  }
});

test("ExecTxResult by hand equals the generated encoder: defaults, negatives, big numbers, any UTF-8", (t) => {
  const texts = ["", "a", "sensor1abc", "ünïcødé ✓ 𝄞", "lone \ud800 surrogate", "x".repeat(200)];
  const attributes = texts.flatMap((key) => texts.map((value, i) => ({ key, value, index: i % 2 === 0 })));
  const cases: ExecTxResult[] = [
    result(0, []),
    result(0, events),
    { ...result(11, [{ type: "", attributes: [] }]), gasWanted: -1n, gasUsed: 2n ** 63n - 1n },
    { ...result(2 ** 32 - 1, [{ type: "t", attributes }]), log: texts[3]!, info: "i", codespace: texts[4]! },
    { ...result(0, []), data: new Uint8Array(300).fill(5), gasWanted: 127n, gasUsed: 128n },
    { ...result(0, []), gasWanted: 3_000_000_000n, gasUsed: 2n ** 31n },
  ];
  const allocate = byteArena();
  for (const value of cases) {
    t.deepEqual(encodeExecTxResult(value), ProtoExecTxResult.encode(value).finish());
    t.deepEqual(encodeExecTxResult(value, allocate), ProtoExecTxResult.encode(value).finish());
  }
});

test("event keys equal prefix ‖ str(key) ‖ str(value) ‖ suffix, long values hashed", (t) => {
  const allocate = byteArena();
  const suffix = txByHeightKey(7n, 3).subarray(1);
  const concat = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  for (const value of [
    "",
    "sensor1abc",
    "ünïcødé ✓ 𝄞",
    "x".repeat(85),
    "x".repeat(86),
    "é".repeat(128),
    "é".repeat(129),
    "y".repeat(300),
  ]) {
    t.deepEqual(
      eventKey(PREFIX.txEvent, "transfer.recipient", value, suffix),
      concat(eventPrefix(PREFIX.txEvent, "transfer.recipient", value), suffix),
      `value of ${value.length} chars`,
    );
    t.deepEqual(
      eventKey(PREFIX.txEvent, "transfer.recipient", value, suffix, allocate),
      concat(eventPrefix(PREFIX.txEvent, "transfer.recipient", value), suffix),
    );
    t.deepEqual(
      eventKey(PREFIX.blockEvent, "a.b", value, heightBytes(9n)),
      concat(eventPrefix(PREFIX.blockEvent, "a.b", value), heightBytes(9n)),
    );
  }
});

test("index entries: only attributes marked index, each (key, value) pair once", (t) => {
  const repeated = [
    ...events,
    { type: "message", attributes: [{ key: "sender", value: "sensor1s", index: true }] },
    { type: "message", attributes: [{ key: "sender", value: "sensor1t", index: true }] },
    { type: "", attributes: [{ key: "x", value: "y", index: true }] },
    { type: "message", attributes: [{ key: "", value: "y", index: true }] },
  ];
  t.deepEqual(indexedAttributes(repeated), [
    { compositeKey: "transfer.recipient", value: "sensor1r" },
    { compositeKey: "message.sender", value: "sensor1s" },
    { compositeKey: "message.sender", value: "sensor1t" },
  ]);
});
