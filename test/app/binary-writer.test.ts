// The process-wide fixes to cosmjs-types' BinaryWriter and BinaryReader (chain/app/binary-writer.ts).
import test from "ava";
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { utf8Read } from "cosmjs-types/utf8";
import "../../chain/app/binary-writer.ts";

/** Protobuf base-128 varint of a uint64 (two's complement for negative int64). */
function referenceVarint(value: bigint): number[] {
  let rest = BigInt.asUintN(64, value);
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

test("int64 and uint64 write the protobuf varint for every range, including [2^31, 2^32)", (t) => {
  const values = [0n, 1n, 127n, 128n, 2n ** 31n - 1n, -1n, -(2n ** 31n), -(2n ** 63n), 2n ** 63n - 1n];
  for (let e = 0n; e < 64n; e++) values.push(2n ** e, 2n ** e + 1n, 2n ** 31n + 2n ** (e % 31n));
  values.push(2n ** 32n - 1n, 3_000_000_000n, 2n ** 64n - 1n);
  for (const value of values) {
    if (value >= 2n ** 63n) {
      const bytes = BinaryWriter.create().uint64(value).finish();
      t.deepEqual([...bytes], referenceVarint(value), `uint64 ${value}`);
      t.is(new BinaryReader(bytes).uint64(), value);
      continue;
    }
    const bytes = BinaryWriter.create().int64(value).finish();
    t.deepEqual([...bytes], referenceVarint(value), `int64 ${value}`);
    t.is(new BinaryReader(bytes).int64(), value);
    if (value >= 0n) {
      const unsigned = BinaryWriter.create().uint64(value).finish();
      t.deepEqual([...unsigned], referenceVarint(value), `uint64 ${value}`);
      t.is(new BinaryReader(unsigned).uint64(), value);
    }
  }
  // Number and string inputs, as the generated code may pass them.
  t.deepEqual([...BinaryWriter.create().int64(3_000_000_000).finish()], referenceVarint(3_000_000_000n));
  t.deepEqual(
    [
      ...BinaryWriter.create()
        .uint64("2147483648" as unknown as bigint)
        .finish(),
    ],
    referenceVarint(2n ** 31n),
  );
});

test("finish returns exact-size arrays of their own", (t) => {
  const a = BinaryWriter.create().uint32(8).int64(5n).finish();
  const b = BinaryWriter.create().string("x").finish();
  t.is(a.buffer.byteLength, a.length);
  t.is(b.buffer.byteLength, b.length);
  t.not(a.buffer, b.buffer);
});

test("string() reads what cosmjs-types' own UTF-8 reader reads: ASCII, any UTF-8, invalid bytes", (t) => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const samples: Uint8Array[] = [
    new Uint8Array(0),
    new TextEncoder().encode("sensor1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"),
    new TextEncoder().encode("ünïcødé ✓ 𝄞"),
    Uint8Array.of(0x7f, 0x80, 0xff, 0xc3),
  ];
  for (let i = 0; i < 500; i++)
    samples.push(
      Uint8Array.from({ length: random(40) }, () => (random(4) === 0 ? random(256) : random(128))),
    );
  for (const bytes of samples) {
    const encoded = BinaryWriter.create().uint32(10).bytes(bytes).uint32(16).uint32(5).finish();
    const reader = new BinaryReader(encoded);
    reader.uint32();
    t.is(reader.string(), utf8Read(bytes, 0, bytes.length), `bytes ${[...bytes]}`);
    t.is(reader.uint32(), 16, "the reader stands after the string");
  }
});
