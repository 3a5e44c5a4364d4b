// A tx's event index keys are read from its encoded result (encoded-index.ts): the same keys, in the
// same order, as indexedAttributes and eventKey make from its events.
import test from "ava";
import type { Event, ExecTxResult } from "../../chain/app/abci.ts";
import { byteArena } from "../../chain/blockstore/byte-arena.ts";
import { encodeExecTxResult, lastEncodingWellFormed } from "../../chain/blockstore/codec.ts";
import { encodedEventKeys } from "../../chain/blockstore/encoded-index.ts";
import { eventKey, PREFIX, txByHeightKey } from "../../chain/blockstore/keys.ts";
import { indexedAttributes } from "../../chain/blockstore/match.ts";

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

const PIECES = ["", "a", "sender", "sensor1qqqq", "é", "日本", "😀", ".", "x".repeat(130), "ü".repeat(140)];

function text(next: () => number): string {
  let out = "";
  const parts = Math.floor(next() * 3);
  for (let i = 0; i < parts; i++) out += PIECES[Math.floor(next() * PIECES.length)]!;
  return out;
}

/** Events with repeated pairs, empty types and keys, unindexed attributes, non-ASCII and long strings
 * (over the 256 bytes an index key holds as they are). */
function randomEvents(next: () => number): Event[] {
  const events: Event[] = [];
  const count = Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const attributes: Event["attributes"] = [];
    const attributeCount = Math.floor(next() * 6);
    for (let j = 0; j < attributeCount; j++)
      attributes.push({ key: text(next), value: text(next), index: next() < 0.7 });
    events.push({ type: text(next), attributes });
  }
  // The same pair again, as the SDK repeats message.sender.
  if (events.length > 0 && next() < 0.5) events.push(structuredClone(events[0]!));
  return events;
}

function resultWith(events: Event[], index = 0): ExecTxResult {
  return {
    code: index % 3 === 0 ? 5 : 0,
    data: Uint8Array.of(index),
    log: index % 3 === 0 ? "failed ü" : "",
    info: "",
    gasWanted: 1000n,
    gasUsed: 2n ** 40n + BigInt(index),
    events,
    codespace: index % 3 === 0 ? "sdk" : "",
  };
}

test("the keys read from an encoded result are those made from its events", (t) => {
  const next = random(1);
  const suffix = txByHeightKey(7n, 3).subarray(1);
  let compared = 0;
  for (let i = 0; i < 2_000; i++) {
    const result = resultWith(randomEvents(next), i);
    const encoded = encodeExecTxResult(result, byteArena());
    if (!lastEncodingWellFormed()) continue;
    const expected = indexedAttributes(result.events).map(({ compositeKey, value }) =>
      eventKey(PREFIX.txEvent, compositeKey, value, suffix),
    );
    const keys = encodedEventKeys(PREFIX.txEvent, encoded, suffix, byteArena());
    t.deepEqual(keys, expected, `result ${i}`);
    compared++;
  }
  t.true(compared > 1_000);
});

test("a lone surrogate makes the encoding not well-formed; more pairs than the linear limit read nothing", (t) => {
  const lone = resultWith([{ type: "t", attributes: [{ key: "k", value: "\ud800", index: true }] }]);
  encodeExecTxResult(lone, byteArena());
  t.false(lastEncodingWellFormed());
  const many = resultWith([
    {
      type: "t",
      attributes: Array.from({ length: 65 }, (_, i) => ({ key: "k", value: String(i), index: true })),
    },
  ]);
  const encoded = encodeExecTxResult(many, byteArena());
  t.true(lastEncodingWellFormed());
  t.is(encodedEventKeys(PREFIX.txEvent, encoded, new Uint8Array(12), byteArena()), undefined);
});
