// Protobuf reading for the fast decoders of the common tx shapes (tx-decode.ts, bank MsgSend) and of
// encoded results (chain/blockstore/encoded-index.ts): a
// cursor over one array, no reader object per nested message and no copy per level. They accept only
// canonical-looking input (expected wire types, lengths inside their message, ASCII strings, varints
// short enough for a number) and throw UNUSUAL for anything else, on which the caller decodes with
// cosmjs-types: what cosmjs-types yields (or throws) for unusual bytes stays the definition.
import { asciiString } from "../util/ascii.ts";

/** Thrown by the fast decoders when the bytes leave the shapes they handle (never an error in itself). */
export const UNUSUAL: unique symbol = Symbol("unusual protobuf shape");

/** What `read` returns, or undefined when it found the bytes unusual (any other error propagates). */
export function readCommonShape<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error === UNUSUAL) return undefined;
    throw error;
  }
}

export interface ProtoCursor {
  readonly bytes: Uint8Array;
  position: number;
}

/** Tags and lengths: at most 4 varint bytes (< 2^28), inside `end`. */
export function readSmallVarint(cursor: ProtoCursor, end: number): number {
  const { bytes } = cursor;
  let position = cursor.position;
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (position >= end) throw UNUSUAL;
    const byte = bytes[position++]!;
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      cursor.position = position;
      return value;
    }
  }
  throw UNUSUAL;
}

/** Steps over a field of `wireType` whose tag was just read: varints of any length (up to 10 bytes),
 * length-delimited fields inside `end`, fixed64 and fixed32. */
export function skipField(cursor: ProtoCursor, wireType: number, end: number): void {
  if (wireType === 2) cursor.position = readFieldEnd(cursor, end);
  else if (wireType === 0) {
    const { bytes } = cursor;
    let position = cursor.position;
    for (let count = 0; ; count++) {
      if (position >= end || count === 10) throw UNUSUAL;
      if (bytes[position++]! < 0x80) break;
    }
    cursor.position = position;
  } else if (wireType === 1 || wireType === 5) {
    const next = cursor.position + (wireType === 1 ? 8 : 4);
    if (next > end) throw UNUSUAL;
    cursor.position = next;
  } else throw UNUSUAL;
}

/** A uint64 field of at most 7 varint bytes (< 2^49, exact as a number), as cosmjs-types' bigint. */
export function readUint64(cursor: ProtoCursor, end: number): bigint {
  const { bytes } = cursor;
  let position = cursor.position;
  let value = 0;
  let scale = 1;
  for (let count = 0; count < 7; count++) {
    if (position >= end) throw UNUSUAL;
    const byte = bytes[position++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      cursor.position = position;
      return BigInt(value);
    }
    scale *= 128;
  }
  throw UNUSUAL;
}

/** The end of a length-delimited field whose length is next, which must lie inside `end`. */
export function readFieldEnd(cursor: ProtoCursor, end: number): number {
  const length = readSmallVarint(cursor, end);
  const fieldEnd = cursor.position + length;
  if (fieldEnd > end) throw UNUSUAL;
  return fieldEnd;
}

/** A bytes field: a view of the cursor's array (cosmjs-types also hands out views of its copy). */
export function readBytes(cursor: ProtoCursor, end: number): Uint8Array {
  const fieldEnd = readFieldEnd(cursor, end);
  const value = cursor.bytes.subarray(cursor.position, fieldEnd);
  cursor.position = fieldEnd;
  return value;
}

/** A string field of ASCII bytes (the same string under any UTF-8 reader); anything else is unusual,
 * so that UTF-8 edge cases (invalid sequences, BOMs) keep cosmjs-types' reading. */
export function readAsciiString(cursor: ProtoCursor, end: number): string {
  const fieldEnd = readFieldEnd(cursor, end);
  const text = asciiString(cursor.bytes, cursor.position, fieldEnd);
  if (text === undefined) throw UNUSUAL;
  cursor.position = fieldEnd;
  return text;
}

/** cosmos.base.v1beta1.Coin, as Coin.decode builds it. */
export function readCoin(cursor: ProtoCursor, end: number): { denom: string; amount: string } {
  const coinEnd = readFieldEnd(cursor, end);
  const coin = { denom: "", amount: "" };
  while (cursor.position < coinEnd) {
    const tag = readSmallVarint(cursor, coinEnd);
    if (tag === 10) coin.denom = readAsciiString(cursor, coinEnd);
    else if (tag === 18) coin.amount = readAsciiString(cursor, coinEnd);
    else throw UNUSUAL;
  }
  return coin;
}

/** google.protobuf.Any, as Any.decode builds it. */
export function readAny(cursor: ProtoCursor, end: number): { typeUrl: string; value: Uint8Array } {
  const anyEnd = readFieldEnd(cursor, end);
  const any: { typeUrl: string; value: Uint8Array } = { typeUrl: "", value: new Uint8Array() };
  while (cursor.position < anyEnd) {
    const tag = readSmallVarint(cursor, anyEnd);
    if (tag === 10) any.typeUrl = readAsciiString(cursor, anyEnd);
    else if (tag === 18) any.value = readBytes(cursor, anyEnd);
    else throw UNUSUAL;
  }
  return any;
}
