// Event index keys of a tx straight from its encoded ExecTxResult (chain/app/delivered-result.ts): the
// types, keys and values are already UTF-8 there, so no event objects and no string encoding are
// needed. Same keys, in the same order, as indexedAttributes + eventKey over the decoded events.
import { bytesEqual, sha256 } from "../types/bytes.ts";
import type { Allocate } from "./byte-arena.ts";
import { MAX_INDEXED_STRING_BYTES } from "./keys.ts";

/** Distinct pairs handled here; a tx with more takes the general path (indexedAttributes' set). */
const MAX_PAIRS = 64;
const HASHED_MARKER = 0xff;
const DOT = 0x2e;
/** ExecTxResult.events (field 7, length-delimited); Event.type (1) and attributes (2); EventAttribute
 * key (1), value (2) and index (3, varint). */
const EVENTS_TAG = 58;
const TYPE_TAG = 10;
const ATTRIBUTES_TAG = 18;
const KEY_TAG = 10;
const VALUE_TAG = 18;
const INDEX_TAG = 24;

/** Position of the reader below in the bytes being read. */
let at = 0;

function varint(bytes: Uint8Array): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined || scale > 2 ** 49) throw new RangeError("malformed encoded result");
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
}

/** Length of the field lengthDelimited read last. */
let fieldLength = 0;

/** Steps over a length-delimited field's content; returns where it starts (its length: fieldLength). */
function lengthDelimited(bytes: Uint8Array): number {
  fieldLength = varint(bytes);
  const start = at;
  at += fieldLength;
  return start;
}

function skip(bytes: Uint8Array, wireType: number): void {
  if (wireType === 0) varint(bytes);
  else if (wireType === 2) lengthDelimited(bytes);
  else if (wireType === 1) at += 8;
  else if (wireType === 5) at += 4;
  else throw new RangeError("malformed encoded result");
}

/** `prefix ‖ str(type.key) ‖ str(value) ‖ suffix` of every indexed attribute of `encoded` (an
 * encodeExecTxResult whose strings were well-formed), each distinct pair once, in order of first
 * appearance; undefined when there are more than MAX_PAIRS. */
export function encodedEventKeys(
  prefix: number,
  encoded: Uint8Array,
  suffix: Uint8Array,
  allocate: Allocate,
): Uint8Array[] | undefined {
  const keys: Uint8Array[] = [];
  at = 0;
  const end = encoded.length;
  while (at < end) {
    const tag = varint(encoded);
    if (tag !== EVENTS_TAG) {
      skip(encoded, tag & 7);
      continue;
    }
    const eventLength = varint(encoded);
    const eventEnd = at + eventLength;
    let typeStart = 0;
    let typeLength = 0;
    while (at < eventEnd) {
      const eventTag = varint(encoded);
      if (eventTag === TYPE_TAG) {
        typeStart = lengthDelimited(encoded);
        typeLength = fieldLength;
        continue;
      }
      if (eventTag !== ATTRIBUTES_TAG) {
        skip(encoded, eventTag & 7);
        continue;
      }
      const attributeLength = varint(encoded);
      const attributeEnd = at + attributeLength;
      let keyStart = 0;
      let keyLength = 0;
      let valueStart = 0;
      let valueLength = 0;
      let indexed = false;
      while (at < attributeEnd) {
        const attributeTag = varint(encoded);
        if (attributeTag === KEY_TAG) {
          keyStart = lengthDelimited(encoded);
          keyLength = fieldLength;
        } else if (attributeTag === VALUE_TAG) {
          valueStart = lengthDelimited(encoded);
          valueLength = fieldLength;
        } else if (attributeTag === INDEX_TAG) indexed = varint(encoded) !== 0;
        else skip(encoded, attributeTag & 7);
      }
      if (!indexed || typeLength === 0 || keyLength === 0) continue;
      const key = eventKeyOf(
        prefix,
        encoded,
        typeStart,
        typeLength,
        keyStart,
        keyLength,
        valueStart,
        valueLength,
        suffix,
        allocate,
      );
      if (keys.some((known) => bytesEqual(known, key))) continue;
      if (keys.length >= MAX_PAIRS) return undefined;
      keys.push(key);
    }
  }
  return keys;
}

function eventKeyOf(
  prefix: number,
  bytes: Uint8Array,
  typeStart: number,
  typeLength: number,
  keyStart: number,
  keyLength: number,
  valueStart: number,
  valueLength: number,
  suffix: Uint8Array,
  allocate: Allocate,
): Uint8Array {
  const compositeLength = typeLength + 1 + keyLength;
  if (compositeLength > MAX_INDEXED_STRING_BYTES || valueLength > MAX_INDEXED_STRING_BYTES) {
    // Long strings enter as 0xff ‖ sha256 (keys.ts indexedString): rare, built the plain way.
    const composite = new Uint8Array(compositeLength);
    composite.set(bytes.subarray(typeStart, typeStart + typeLength));
    composite[typeLength] = DOT;
    composite.set(bytes.subarray(keyStart, keyStart + keyLength), typeLength + 1);
    const head = indexedPart(composite);
    const value = indexedPart(bytes.subarray(valueStart, valueStart + valueLength));
    const out = allocate(1 + 2 + head.length + 2 + value.length + suffix.length);
    out[0] = prefix;
    let offset = writePart(out, 1, head);
    offset = writePart(out, offset, value);
    out.set(suffix, offset);
    return out;
  }
  const out = allocate(1 + 2 + compositeLength + 2 + valueLength + suffix.length);
  out[0] = prefix;
  out[1] = compositeLength >>> 8;
  out[2] = compositeLength & 0xff;
  copy(bytes, typeStart, typeLength, out, 3);
  out[3 + typeLength] = DOT;
  copy(bytes, keyStart, keyLength, out, 4 + typeLength);
  let offset = 3 + compositeLength;
  out[offset++] = valueLength >>> 8;
  out[offset++] = valueLength & 0xff;
  copy(bytes, valueStart, valueLength, out, offset);
  out.set(suffix, offset + valueLength);
  return out;
}

/** Byte by byte: the ranges are short, and a subarray per range would be three views per key. */
function copy(from: Uint8Array, start: number, length: number, to: Uint8Array, offset: number): void {
  for (let i = 0; i < length; i++) to[offset + i] = from[start + i]!;
}

/** UTF-8 as index keys hold it: as is, or 0xff ‖ sha256 when longer than MAX_INDEXED_STRING_BYTES. */
function indexedPart(utf8: Uint8Array): Uint8Array {
  if (utf8.length <= MAX_INDEXED_STRING_BYTES) return utf8;
  const hashed = new Uint8Array(33);
  hashed[0] = HASHED_MARKER;
  hashed.set(sha256(utf8), 1);
  return hashed;
}

/** 2-byte big-endian length ‖ part at `offset`; returns the offset after it. */
function writePart(out: Uint8Array, offset: number, part: Uint8Array): number {
  out[offset] = part.length >>> 8;
  out[offset + 1] = part.length & 0xff;
  out.set(part, offset + 2);
  return offset + 2 + part.length;
}
