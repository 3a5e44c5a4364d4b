// Decoding what a device publishes into the meter module's Reading (modules/meter/reading.ts) and
// the stateless checks on it (README.md, Readings). Two forms, told apart by the first byte:
// protobuf (sensorchain.meter.v1.Reading; its first byte is never "{") and JSON (proto3 JSON names,
// 64-bit integers as decimal strings, bytes base64). Both become the same Reading, so both are signed
// and stored as the same canonical bytes.

import { STANDARD_BASE64 } from "../chain/crypto/hash.ts";
import { asciiString } from "../chain/util/ascii.ts";
import { pb } from "../modules/meter/codec.ts";
import { isDecimal } from "../modules/meter/decimal.ts";
import { MAX_AGGREGATES, MAX_UNIT_BYTES, MAX_VALUE_NAME_BYTES } from "../modules/meter/keys.ts";
import { encodeReading, type Reading, type ReadingValue } from "../modules/meter/reading.ts";
import { ReadingRejected } from "./errors.ts";

/** Largest reading payload, bytes: 16 values of 32+16+80 bytes, a 64-byte signature and room for a
 * small postal-model ciphertext. A 1 Hz meter sends about 100-200 bytes. */
export const MAX_READING_BYTES = 4_096;
/** Values in one reading: as many as a day's commitment may aggregate (meter MAX_AGGREGATES). */
export const MAX_READING_VALUES = MAX_AGGREGATES;
const MAX_UINT64 = (1n << 64n) - 1n;
/** The default of a reading's absent bytes field, shared: nothing writes into a reading's bytes, and
 * a fresh one per reading was a typed array and an ArrayBuffer of garbage each. */
const NO_BYTES = new Uint8Array(0);
const JSON_OPEN_BRACE = 0x7b;
const utf8Length = (text: string) => Buffer.byteLength(text, "utf8");

const malformed = (message: string) => new ReadingRejected("malformed", message);

/** Decodes either form; throws ReadingRejected("oversized" | "malformed"). */
export function decodeReadingPayload(payload: Uint8Array): Reading {
  if (payload.length > MAX_READING_BYTES)
    throw new ReadingRejected(
      "oversized",
      `reading is ${payload.length} bytes, at most ${MAX_READING_BYTES}`,
    );
  if (payload.length === 0) throw malformed("empty payload");
  return payload[0] === JSON_OPEN_BRACE ? decodeJson(payload) : decodeProtobuf(payload);
}

function decodeProtobuf(payload: Uint8Array): Reading {
  let message: ReturnType<typeof pb.Reading.decode>;
  try {
    message = pb.Reading.decode(payload);
  } catch {
    throw malformed("not a sensorchain.meter.v1.Reading");
  }
  return {
    deviceId: message.deviceId ?? "",
    sequence: uint64Of(message.sequence),
    timestampMs: uint64Of(message.timestampMs),
    values: (message.values ?? []).map((v) => ({
      name: v.name ?? "",
      unit: v.unit ?? "",
      value: v.value ?? "",
    })),
    ciphertext: message.ciphertext ?? NO_BYTES,
    signature: message.signature ?? NO_BYTES,
  };
}

/** A protobufjs uint64 (a Long, or a number for small values) as a bigint, without the decimal
 * string round trip (Long.toString was a visible share of the bridge's profile). */
function uint64Of(value: { low: number; high: number } | number | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "number") return BigInt(value);
  const high = value.high >>> 0;
  const low = value.low >>> 0;
  return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
}

function jsonUint64(value: unknown, field: string): bigint {
  if (typeof value === "string" && /^(0|[1-9][0-9]{0,19})$/.test(value)) {
    const number = BigInt(value);
    if (number <= MAX_UINT64) return number;
  }
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw malformed(`${field} must be an unsigned 64-bit integer (a decimal string)`);
}

function jsonString(value: unknown, field: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string") throw malformed(`${field} must be a string`);
  return value;
}

function jsonBytes(value: unknown, field: string): Uint8Array {
  const text = jsonString(value, field);
  if (!STANDARD_BASE64.test(text)) throw malformed(`${field} must be standard base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}

const JSON_FIELDS = new Set(["device_id", "sequence", "timestamp_ms", "values", "ciphertext", "signature"]);
const JSON_VALUE_FIELDS = new Set(["name", "unit", "value"]);

function decodeJson(payload: Uint8Array): Reading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    throw malformed("not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw malformed("not a JSON object");
  const object = parsed as Record<string, unknown>;
  for (const key of Object.keys(object)) if (!JSON_FIELDS.has(key)) throw malformed(`unknown field ${key}`);
  const values = object["values"] ?? [];
  if (!Array.isArray(values)) throw malformed("values must be a list");
  return {
    deviceId: jsonString(object["device_id"], "device_id"),
    sequence: jsonUint64(object["sequence"], "sequence"),
    timestampMs: jsonUint64(object["timestamp_ms"], "timestamp_ms"),
    values: values.map((entry, i): ReadingValue => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry))
        throw malformed(`values[${i}] must be an object`);
      const value = entry as Record<string, unknown>;
      for (const key of Object.keys(value))
        if (!JSON_VALUE_FIELDS.has(key)) throw malformed(`values[${i}]: unknown field ${key}`);
      return {
        name: jsonString(value["name"], `values[${i}].name`),
        unit: jsonString(value["unit"], `values[${i}].unit`),
        value: jsonString(value["value"], `values[${i}].value`),
      };
    }),
    ciphertext: jsonBytes(object["ciphertext"], "ciphertext"),
    signature: jsonBytes(object["signature"], "signature"),
  };
}

/** Most bytes of a uint64 varint. */
const MAX_VARINT_BYTES = 10;

// decodeCanonicalReading's cursor, module state rather than closures over its locals (four closures
// and their context per reading): the decoder is synchronous and never re-entered.
let source: Uint8Array = NO_BYTES;
let at = 0;
let sourceEnd = 0;
let failed = false;

/** A minimal varint below 2^32 (lengths) read at the cursor; -1 when it is not one. */
function readLength(): number {
  let value = 0;
  for (let shift = 0; shift < 35 && at < sourceEnd; shift += 7) {
    const byte = source[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return shift > 0 && byte === 0 ? -1 : value;
  }
  return -1;
}

/** A minimal, non-zero uint64 varint (proto3 omits zero); sets `failed` when it is not one. */
function varintUint64(): bigint {
  const start = at;
  // The first 8 bytes (56 bits: any clock in ms, a sequence of ms × 1,000) in two small integers of
  // 28 bits, one double at the end, exact up to 2^53: a double accumulated byte by byte was a heap
  // number per byte where V8 did not unbox it, and the BigInt loop below makes ~3 BigInts per byte
  // (~400 bytes of garbage for an 8-byte sequence, the largest item per reading at 2,000 devices).
  let low = 0;
  let high = 0;
  for (let i = 0; i < MAX_VARINT_BYTES && at < sourceEnd; i++) {
    const byte = source[at++]!;
    if (i < 4) low |= (byte & 0x7f) << (7 * i);
    else if (i < 8) high |= (byte & 0x7f) << (7 * (i - 4));
    if (byte >= 0x80) continue;
    if (byte === 0 || (i === MAX_VARINT_BYTES - 1 && byte > 1)) break;
    if (i < 8) {
      const value = high * 2 ** 28 + low;
      if (value <= Number.MAX_SAFE_INTEGER) return BigInt(value);
    }
    let value = 0n;
    for (let back = at - 1; back >= start; back--) value = (value << 7n) | BigInt(source[back]! & 0x7f);
    return value;
  }
  failed = true;
  return 0n;
}

/** A present (non-empty) length-delimited field's start (it ends at `at`); -1 when it does not fit. */
function lengthDelimited(): number {
  const size = readLength();
  if (size <= 0 || at + size > sourceEnd) return -1;
  at += size;
  return at - size;
}

/** The ASCII text of a length-delimited field, undefined when absent, too long or not ASCII. */
function asciiField(limit: number): string | undefined {
  const start = lengthDelimited();
  return start < 0 || at > limit ? undefined : asciiString(source, start, at);
}

/**
 * A protobuf payload that is already a Reading's canonical encoding with only ASCII strings (what
 * a device sends that encodes as the meter module does), decoded in one pass without protobufjs:
 * its Reading, and as its bytes the payload itself (canonical) and its prefix without the signature
 * field (signed). Undefined for anything else (JSON, non-canonical or non-ASCII protobuf, garbage),
 * which the caller decodes and encodes the general way: for a payload this accepts, that way gives
 * the same Reading and the same bytes (tested). `signature` and `ciphertext` are views of `payload`.
 */
export function decodeCanonicalReading(
  payload: Uint8Array,
): { reading: Reading; bytes: ReadingBytes } | undefined {
  const end = payload.length;
  if (end === 0 || end > MAX_READING_BYTES) return undefined;
  source = payload;
  sourceEnd = end;
  at = 0;
  failed = false;
  try {
    return decodeCanonicalFields(payload, end);
  } finally {
    source = NO_BYTES; // not kept alive by the module
  }
}

function decodeCanonicalFields(
  payload: Uint8Array,
  end: number,
): { reading: Reading; bytes: ReadingBytes } | undefined {
  const reading: Reading = {
    deviceId: "",
    sequence: 0n,
    timestampMs: 0n,
    values: [],
    ciphertext: NO_BYTES,
    signature: NO_BYTES,
  };
  let signatureStart = end;
  let lastTag = 0;
  while (at < end && !failed) {
    const tag = payload[at++]!;
    // Fields in number order, each once (values repeated, together): what the encoder writes.
    if (tag < lastTag || (tag === lastTag && tag !== 0x22)) return undefined;
    lastTag = tag;
    if (tag === 0x0a) {
      const text = asciiField(end);
      if (text === undefined) return undefined;
      reading.deviceId = text;
    } else if (tag === 0x10) reading.sequence = varintUint64();
    else if (tag === 0x18) reading.timestampMs = varintUint64();
    else if (tag === 0x22) {
      const size = readLength();
      if (size < 0 || at + size > end) return undefined;
      const valueEnd = at + size;
      let name = "";
      let unit = "";
      let value = "";
      let lastInner = 0;
      while (at < valueEnd) {
        const inner = payload[at++]!;
        if ((inner !== 0x0a && inner !== 0x12 && inner !== 0x1a) || inner <= lastInner) return undefined;
        lastInner = inner;
        const text = asciiField(valueEnd);
        if (text === undefined) return undefined;
        if (inner === 0x0a) name = text;
        else if (inner === 0x12) unit = text;
        else value = text;
      }
      reading.values.push({ name, unit, value });
    } else if (tag === 0x2a || tag === 0x32) {
      const fieldStart = at - 1;
      const start = lengthDelimited();
      if (start < 0) return undefined;
      const bytes = payload.subarray(start, at);
      if (tag === 0x2a) reading.ciphertext = bytes;
      else {
        reading.signature = bytes;
        signatureStart = fieldStart;
      }
    } else return undefined;
  }
  if (failed) return undefined;
  return { reading, bytes: { canonical: payload, signed: payload.subarray(0, signatureStart) } };
}

/** Stateless checks (validateBasic): the topic's device, a sequence from 1, a timestamp, bounded
 * values with canonical decimals and distinct names, something measured. */
export function validateReading(reading: Reading, topicDeviceId: string): void {
  if (reading.deviceId !== topicDeviceId)
    throw malformed(
      `device_id ${JSON.stringify(reading.deviceId)} is not the topic's device ${topicDeviceId}`,
    );
  if (reading.sequence === 0n) throw malformed("sequence starts at 1");
  if (reading.timestampMs === 0n) throw malformed("timestamp_ms is missing");
  if (reading.values.length > MAX_READING_VALUES) throw malformed(`more than ${MAX_READING_VALUES} values`);
  if (reading.values.length === 0 && reading.ciphertext.length === 0)
    throw malformed("a reading needs values or a ciphertext");
  // Indexed loops, no Set: at most MAX_READING_VALUES (16) names, and an iterator, an entry array
  // and a Set per reading were ~250 bytes of its garbage.
  const values = reading.values;
  for (let i = 0; i < values.length; i++) {
    const { name, unit, value } = values[i]!;
    if (name === "" || utf8Length(name) > MAX_VALUE_NAME_BYTES)
      throw malformed(`values[${i}].name must be 1-${MAX_VALUE_NAME_BYTES} bytes`);
    if (utf8Length(unit) > MAX_UNIT_BYTES)
      throw malformed(`values[${i}].unit is over ${MAX_UNIT_BYTES} bytes`);
    if (!isDecimal(value)) throw malformed(`values[${i}].value is not a canonical decimal string`);
    for (let j = 0; j < i; j++)
      if (values[j]!.name === name) throw malformed(`value name ${name} appears twice`);
  }
}

/** A reading's canonical bytes (encodeReading) and the bytes its device signed (readingSignBytes). */
export interface ReadingBytes {
  canonical: Uint8Array;
  /** A view of `canonical` without its signature field: the signature is the last field (6) of
   * the canonical encoding, so the signed bytes are its prefix. */
  signed: Uint8Array;
}

const varintLength = (value: number): number => {
  let length = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
};

const bigVarintLength = (value: bigint): number => {
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return varintLength(Number(value));
  let length = 1;
  while (value >= 128n) {
    value >>= 7n;
    length++;
  }
  return length;
};

/** Canonical and signed bytes in one pass, byte-identical to modules/meter/reading.ts (tested
 * against it): proto3 fields in number order, defaults omitted. A string that is not well-formed
 * UTF-16 (a lone surrogate, which protobufjs encodes differently from Buffer) takes the generic
 * encoder. The bridge computes them once per reading instead of encoding twice through protobufjs. */
export function encodeReadingBytes(reading: Reading): ReadingBytes {
  const strings = [reading.deviceId];
  for (const { name, unit, value } of reading.values) strings.push(name, unit, value);
  if (!strings.every((text) => text.isWellFormed())) {
    const canonical = encodeReading(reading);
    return { canonical, signed: canonical.subarray(0, canonical.length - signatureFieldLength(reading)) };
  }
  const idBytes = utf8Length(reading.deviceId);
  let total = stringFieldLength(idBytes);
  if (reading.sequence !== 0n) total += 1 + bigVarintLength(reading.sequence);
  if (reading.timestampMs !== 0n) total += 1 + bigVarintLength(reading.timestampMs);
  const valueLengths: number[] = [];
  for (const { name, unit, value } of reading.values) {
    const length =
      stringFieldLength(utf8Length(name)) +
      stringFieldLength(utf8Length(unit)) +
      stringFieldLength(utf8Length(value));
    valueLengths.push(length);
    total += 1 + varintLength(length) + length;
  }
  total += stringFieldLength(reading.ciphertext.length);
  const signatureField = signatureFieldLength(reading);
  total += signatureField;
  // Every byte is written below (the lengths are exact; tested): no zero fill, and a slice of
  // Node's pool instead of an ArrayBuffer of its own (that allocation was 1.3% of the main thread).
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  const varint = (value: number) => {
    while (value >= 128) {
      out[offset++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    out[offset++] = value;
  };
  const bigVarint = (value: bigint) => {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return varint(Number(value));
    while (value >= 128n) {
      out[offset++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    out[offset++] = Number(value);
  };
  const text = (tag: number, value: string) => {
    if (value === "") return;
    out[offset++] = tag;
    varint(utf8Length(value));
    offset += out.write(value, offset, "utf8");
  };
  const bytes = (tag: number, value: Uint8Array) => {
    if (value.length === 0) return;
    out[offset++] = tag;
    varint(value.length);
    out.set(value, offset);
    offset += value.length;
  };
  text(0x0a, reading.deviceId);
  if (reading.sequence !== 0n) {
    out[offset++] = 0x10;
    bigVarint(reading.sequence);
  }
  if (reading.timestampMs !== 0n) {
    out[offset++] = 0x18;
    bigVarint(reading.timestampMs);
  }
  for (const [i, { name, unit, value }] of reading.values.entries()) {
    out[offset++] = 0x22;
    varint(valueLengths[i]!);
    text(0x0a, name);
    text(0x12, unit);
    text(0x1a, value);
  }
  bytes(0x2a, reading.ciphertext);
  bytes(0x32, reading.signature);
  if (offset !== total) throw new Error(`encodeReadingBytes wrote ${offset} of ${total} bytes`);
  return { canonical: out, signed: out.subarray(0, total - signatureField) };
}

/** Bytes of a length-delimited field holding `length` bytes (0 when empty: proto3 omits it). */
function stringFieldLength(length: number): number {
  return length === 0 ? 0 : 1 + varintLength(length) + length;
}

function signatureFieldLength(reading: Reading): number {
  return stringFieldLength(reading.signature.length);
}
