// encodeReadingBytes (bridge-mqtt/reading-codec.ts) against the meter module's protobufjs encoders:
// the same canonical bytes and signed bytes for random readings, edge values and odd strings.
import { randomBytes } from "node:crypto";
import test from "ava";
import { ReadingRejected } from "../../bridge-mqtt/errors.ts";
import {
  decodeCanonicalReading,
  decodeReadingPayload,
  encodeReadingBytes,
  MAX_READING_VALUES,
  validateReading,
} from "../../bridge-mqtt/reading-codec.ts";
import { encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";

const MAX_UINT64 = (1n << 64n) - 1n;
const STRINGS = ["", "W", "power", "é", "温度", "🙂x", "\ud800", "a\udc00b", "x".repeat(200)];
const NUMBERS = [0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, MAX_UINT64];

function pick<T>(items: readonly T[], i: number): T {
  return items[i % items.length]!;
}

function reading(i: number): Reading {
  const values = Array.from({ length: i % 4 }, (_, v) => ({
    name: pick(STRINGS, i + v),
    unit: pick(STRINGS, i * 3 + v),
    value: pick(["0", "1234", "-0.5", ""], i + v),
  }));
  return {
    deviceId: pick(STRINGS, i * 7),
    sequence: pick(NUMBERS, i),
    timestampMs: pick(NUMBERS, i * 5 + 1),
    values,
    ciphertext: i % 5 === 0 ? randomBytes(i % 300) : new Uint8Array(0),
    signature: i % 3 === 0 ? new Uint8Array(0) : randomBytes(i % 2 === 0 ? 64 : 150),
  };
}

test("canonical and signed bytes equal the meter module's encoders", (t) => {
  for (let i = 0; i < 2_000; i++) {
    const r = reading(i);
    const { canonical, signed } = encodeReadingBytes(r);
    t.deepEqual(Buffer.from(canonical), Buffer.from(encodeReading(r)), `reading ${i}: canonical`);
    t.deepEqual(Buffer.from(signed), Buffer.from(readingSignBytes(r)), `reading ${i}: signed`);
  }
});

test("a decoded payload round-trips through encodeReadingBytes", (t) => {
  const r: Reading = {
    deviceId: "D035_1234567890",
    sequence: 1_763_712_000_000_001n,
    timestampMs: 1_763_712_000_000n,
    values: [{ name: "power", unit: "W", value: "1234" }],
    ciphertext: new Uint8Array(0),
    signature: randomBytes(64),
  };
  const payload = encodeReading(r);
  const decoded = decodeReadingPayload(payload);
  t.deepEqual(decoded.sequence, r.sequence);
  t.deepEqual(decoded.timestampMs, r.timestampMs);
  t.deepEqual(Buffer.from(encodeReadingBytes(decoded).canonical), Buffer.from(payload));
});

test("uint64 fields above 2^32 decode to the same bigint, in both decoders", (t) => {
  // Around the canonical decoder's number path: 7 and 8 varint bytes, 2^53 (its exact limit), 9+ bytes.
  const edges = [2n ** 32n, 2n ** 32n + 5n, 2n ** 49n - 1n, 2n ** 49n, 1_795_308_749_053_001n];
  edges.push(2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 56n - 1n, 2n ** 56n, 2n ** 63n, MAX_UINT64);
  for (const value of edges) {
    const r: Reading = {
      deviceId: "D035_1",
      sequence: value,
      timestampMs: value,
      values: [{ name: "power", unit: "W", value: "1" }],
      ciphertext: new Uint8Array(0),
      signature: new Uint8Array(64).fill(7),
    };
    const payload = encodeReading(r);
    const decoded = decodeReadingPayload(payload);
    t.is(decoded.sequence, value);
    t.is(decoded.timestampMs, value);
    const fast = decodeCanonicalReading(payload)?.reading;
    t.is(fast?.sequence, value, `canonical decoder, ${value}`);
    t.is(fast?.timestampMs, value, `canonical decoder, ${value}`);
  }
});

/** The general path's Reading with its byte fields as Buffers, for deepEqual across array types. */
function comparable(r: Reading) {
  return { ...r, ciphertext: Buffer.from(r.ciphertext), signature: Buffer.from(r.signature) };
}

test("decodeCanonicalReading takes canonical ASCII payloads as the general path decodes and encodes them", (t) => {
  let taken = 0;
  for (let i = 0; i < 2_000; i++) {
    const payload = encodeReading(reading(i));
    const general = decodeReadingPayload(payload);
    const fast = decodeCanonicalReading(payload);
    const strings = [general.deviceId, ...general.values.flatMap((v) => [v.name, v.unit, v.value])];
    const ascii = strings.every((text) => Buffer.byteLength(text) === text.length);
    if (!ascii) {
      t.is(fast, undefined, `reading ${i}: non-ASCII strings take the general path`);
      continue;
    }
    taken++;
    t.deepEqual(comparable(fast!.reading), comparable(general), `reading ${i}`);
    t.deepEqual(Buffer.from(fast!.bytes.canonical), Buffer.from(payload), `reading ${i}: canonical`);
    t.deepEqual(
      Buffer.from(fast!.bytes.signed),
      Buffer.from(readingSignBytes(general)),
      `reading ${i}: signed`,
    );
  }
  t.true(taken > 100, `${taken} taken`);
});

test("decodeCanonicalReading takes a mutated payload only when it is still canonical and means the same", (t) => {
  const base = Array.from({ length: 50 }, (_, i) =>
    encodeReading({
      ...reading(i),
      deviceId: `D035_${i}`,
      values: [{ name: "p", unit: "W", value: `${i}` }],
    }),
  );
  const handmade = [
    Buffer.from([0x10, 0x00]), // a zero sequence written out
    Buffer.from([0x10, 0x81, 0x00]), // a non-minimal varint
    Buffer.from([0x0a, 0x00]), // an empty device id written out
    Buffer.from([0x18, 0x01, 0x10, 0x01]), // fields out of order
    Buffer.from([0x10, 0x01, 0x10, 0x02]), // a field twice
    Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]), // above 2^64 - 1
    Buffer.from([0x38, 0x01]), // an unknown field
    Buffer.from("{}"),
  ];
  for (const payload of handmade) t.is(decodeCanonicalReading(payload), undefined, payload.toString("hex"));
  let taken = 0;
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const bytes = [...base[i % base.length]!];
    const at = random(bytes.length);
    const mutation = random(3);
    if (mutation === 0) bytes[at] = random(256);
    else if (mutation === 1) bytes.splice(at, 0, random(256));
    else bytes.splice(at, 1);
    const payload = Buffer.from(bytes);
    const fast = decodeCanonicalReading(payload);
    if (fast === undefined) continue;
    taken++;
    const general = decodeReadingPayload(payload);
    t.deepEqual(comparable(fast.reading), comparable(general));
    t.deepEqual(Buffer.from(encodeReadingBytes(general).canonical), payload);
  }
  t.true(taken > 0);
});

test("validateReading refuses a value name used twice, wherever the second is, and more than the maximum of values", (t) => {
  const withValues = (names: string[]): Reading => ({
    deviceId: "D035_1",
    sequence: 1n,
    timestampMs: 1n,
    values: names.map((name) => ({ name, unit: "W", value: "1" })),
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(64),
  });
  const distinct = Array.from({ length: MAX_READING_VALUES }, (_, i) => `v${i}`);
  t.notThrows(() => validateReading(withValues(distinct), "D035_1"));
  for (const names of [
    ["a", "a"],
    ["a", "b", "a"],
    [...distinct.slice(0, -1), "v3"],
  ]) {
    const error = t.throws(() => validateReading(withValues(names), "D035_1"), {
      instanceOf: ReadingRejected,
    });
    t.is(error.code, "malformed");
    t.regex(error.message, /appears twice/);
  }
  const tooMany = t.throws(() => validateReading(withValues([...distinct, "extra"]), "D035_1"), {
    instanceOf: ReadingRejected,
  });
  t.regex(tooMany.message, /more than/);
});
