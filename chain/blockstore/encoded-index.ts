// Event index keys of a tx straight from its encoded ExecTxResult (saveBlockOperations encodes it once): the
// types, keys and values are already UTF-8 there, so no event objects and no string encoding are
// needed. Same keys, in the same order, as indexedAttributes + eventKey over the decoded events.
import {
  type ProtoCursor,
  readCommonShape,
  readFieldEnd,
  readSmallVarint,
  skipField,
} from "../app/proto-reader.ts";
import { bytesEqual } from "../types/bytes.ts";
import type { Allocate } from "./byte-arena.ts";
import { indexedBytes, MAX_INDEXED_STRING_BYTES } from "./keys.ts";
import { LINEAR_DEDUPE_PAIRS } from "./match.ts";

const DOT = 0x2e;
/** ExecTxResult.events (field 7, length-delimited); Event.type (1) and attributes (2); EventAttribute
 * key (1), value (2) and index (3, varint). */
const EVENTS_TAG = 58;
const TYPE_TAG = 10;
const ATTRIBUTES_TAG = 18;
const KEY_TAG = 10;
const VALUE_TAG = 18;
const INDEX_TAG = 24;

/** `prefix ‖ str(type.key) ‖ str(value) ‖ suffix` of every indexed attribute of `encoded` (an
 * encodeExecTxResult whose strings were well-formed), each distinct pair once, in order of first
 * appearance; undefined when there are more than LINEAR_DEDUPE_PAIRS (or the bytes are not an
 * encoding this reader takes): the caller then builds them from the events. */
export function encodedEventKeys(
  prefix: number,
  encoded: Uint8Array,
  suffix: Uint8Array,
  allocate: Allocate,
): Uint8Array[] | undefined {
  return readCommonShape(() => readEventKeys(prefix, encoded, suffix, allocate));
}

function readEventKeys(
  prefix: number,
  encoded: Uint8Array,
  suffix: Uint8Array,
  allocate: Allocate,
): Uint8Array[] | undefined {
  const keys: Uint8Array[] = [];
  const cursor: ProtoCursor = { bytes: encoded, position: 0 };
  const end = encoded.length;
  while (cursor.position < end) {
    const tag = readSmallVarint(cursor, end);
    if (tag !== EVENTS_TAG) {
      skipField(cursor, tag & 7, end);
      continue;
    }
    const eventEnd = readFieldEnd(cursor, end);
    let typeStart = 0;
    let typeLength = 0;
    while (cursor.position < eventEnd) {
      const eventTag = readSmallVarint(cursor, eventEnd);
      if (eventTag === TYPE_TAG) {
        const typeEnd = readFieldEnd(cursor, eventEnd);
        typeStart = cursor.position;
        typeLength = typeEnd - typeStart;
        cursor.position = typeEnd;
        continue;
      }
      if (eventTag !== ATTRIBUTES_TAG) {
        skipField(cursor, eventTag & 7, eventEnd);
        continue;
      }
      const attributeEnd = readFieldEnd(cursor, eventEnd);
      let keyStart = 0;
      let keyLength = 0;
      let valueStart = 0;
      let valueLength = 0;
      let indexed = false;
      while (cursor.position < attributeEnd) {
        const attributeTag = readSmallVarint(cursor, attributeEnd);
        if (attributeTag === KEY_TAG || attributeTag === VALUE_TAG) {
          const fieldEnd = readFieldEnd(cursor, attributeEnd);
          if (attributeTag === KEY_TAG) {
            keyStart = cursor.position;
            keyLength = fieldEnd - keyStart;
          } else {
            valueStart = cursor.position;
            valueLength = fieldEnd - valueStart;
          }
          cursor.position = fieldEnd;
        } else if (attributeTag === INDEX_TAG) indexed = readSmallVarint(cursor, attributeEnd) !== 0;
        else skipField(cursor, attributeTag & 7, attributeEnd);
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
      if (keys.length >= LINEAR_DEDUPE_PAIRS) return undefined;
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
    // Long strings enter as 0xff ‖ sha256 (keys.ts indexedBytes): rare, built the plain way.
    const composite = new Uint8Array(compositeLength);
    composite.set(bytes.subarray(typeStart, typeStart + typeLength));
    composite[typeLength] = DOT;
    composite.set(bytes.subarray(keyStart, keyStart + keyLength), typeLength + 1);
    const head = indexedBytes(composite);
    const value = indexedBytes(bytes.subarray(valueStart, valueStart + valueLength));
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

/** 2-byte big-endian length ‖ part at `offset`; returns the offset after it. */
function writePart(out: Uint8Array, offset: number, part: Uint8Array): number {
  out[offset] = part.length >>> 8;
  out[offset + 1] = part.length & 0xff;
  out.set(part, offset + 2);
  return offset + 2 + part.length;
}
