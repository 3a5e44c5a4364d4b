// Two fixes to cosmjs-types' BinaryWriter (0.11), installed once for the whole process; imported for
// this effect by the application and the block store.
//
// 1. finish() allocates its output through `pool(...)(size)`, building a new pool on every call: each
//    message of at most 4 KiB gets a fresh zeroed 8 KiB slab. Accounts, tx records, results and sign
//    docs are encoded several times per tx, so that was ~8 KiB of garbage per encode and a visible
//    share of main-thread time (allocation and GC) in the tx pipeline. Exact-size arrays hold the
//    same bytes; nothing here or in cosmjs-types relies on the slab behind a result.
// 2. int64()/uint64() encode every value in [2^31, 2^32) wrongly (int64FromString keeps the low word
//    as a signed int32, so writeVarint64 writes one byte of a 5-byte field: 2^31 reads back as 0,
//    2^32 - 1 as 127). Such gas limits, account numbers or (from 2038) header times would be stored
//    and hashed wrong. Those values are now written as the 5-byte varint protobuf specifies; every
//    other value goes through the original code unchanged. (test/app/binary-writer.test.ts)
//
// And one speed-up of its BinaryReader: 3. string() decodes through a JS UTF-8 reader that builds an
//    array of char codes, slices it and spreads it into String.fromCharCode (~1 µs and several
//    allocations for a 45-byte address; a MsgSend tx holds ~9 strings, decoded at ingress and again
//    for every account read). ASCII bytes, which decode to the same string under any reader, are
//    now taken by Node's native latin1 slice (~0.25 µs); anything else goes through the original.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { asciiString } from "../util/ascii.ts";

type VarintOp = (value: number, buffer: Uint8Array, position: number) => void;
interface WriterInternals {
  int64(value: bigint | number | string): BinaryWriter;
  _push(op: VarintOp, length: number, value: number): BinaryWriter;
}

const writer = BinaryWriter as unknown as { alloc(size: number): Uint8Array; sensorchainFixes?: true };
if (writer.sensorchainFixes !== true) {
  writer.sensorchainFixes = true;
  writer.alloc = (size: number): Uint8Array => new Uint8Array(size);

  const prototype = BinaryWriter.prototype as unknown as WriterInternals;
  const originalInt64 = prototype.int64;
  /** A value in [2^31, 2^32): always 5 varint bytes. */
  const writeFiveByteVarint: VarintOp = (value, buffer, position) => {
    let rest = value;
    for (let i = 0; i < 4; i++) {
      buffer[position++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    buffer[position] = rest;
  };
  // uint64 is a class field set from prototype.int64 in the constructor, so it follows this too.
  prototype.int64 = function int64(this: WriterInternals, value: bigint | number | string): BinaryWriter {
    const text = value.toString();
    if (text.length === 10) {
      const number = Number(text);
      if (number >= 2 ** 31 && number < 2 ** 32) return this._push(writeFiveByteVarint, 5, number);
    }
    return originalInt64.call(this, value);
  };
}

const reader = BinaryReader.prototype as unknown as {
  string(): string;
  bytes(): Uint8Array;
  sensorchainFastString?: true;
};
if (reader.sensorchainFastString !== true) {
  reader.sensorchainFastString = true;
  const originalString = reader.string;
  reader.string = function string(this: { buf: Uint8Array; pos: number; bytes(): Uint8Array }): string {
    const start = this.pos;
    const bytes = this.bytes();
    const text = asciiString(bytes, 0, bytes.length);
    if (text !== undefined) return text;
    this.pos = start;
    return originalString.call(this);
  };
}
