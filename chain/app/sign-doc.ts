// SIGN_MODE_DIRECT sign bytes (cosmos.tx.v1beta1.SignDoc), encoded by hand: canonical proto3 with
// default values omitted, byte-identical to cosmjs-types' SignDoc.encode (test/app/sign-doc.test.ts)
// at a fraction of its cost, since every tx signature needs them in checkTx and again in its block.

/** Protobuf tags: field number << 3 | wire type (2 = length-delimited, 0 = varint). */
const TAG_BODY_BYTES = (1 << 3) | 2;
const TAG_AUTH_INFO_BYTES = (2 << 3) | 2;
const TAG_CHAIN_ID = (3 << 3) | 2;
const TAG_ACCOUNT_NUMBER = (4 << 3) | 0;
/** A uint64 varint takes at most 10 bytes; a length prefix of a field below 4 GiB at most 5. */
const MAX_VARINT_BYTES = 10;

const textEncoder = new TextEncoder();

function writeVarint(out: Uint8Array, offset: number, value: bigint | number): number {
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    out[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  out[offset++] = Number(rest);
  return offset;
}

function writeBytesField(out: Uint8Array, offset: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return offset;
  out[offset++] = tag;
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

export function encodeSignDoc(
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  chainId: string,
  accountNumber: bigint,
): Uint8Array {
  if (accountNumber < 0n || accountNumber >= 2n ** 64n)
    throw new RangeError(`account number ${accountNumber} is not a uint64`);
  const chainIdBytes = textEncoder.encode(chainId);
  const out = new Uint8Array(
    bodyBytes.length + authInfoBytes.length + chainIdBytes.length + 4 * (1 + MAX_VARINT_BYTES),
  );
  let offset = writeBytesField(out, 0, TAG_BODY_BYTES, bodyBytes);
  offset = writeBytesField(out, offset, TAG_AUTH_INFO_BYTES, authInfoBytes);
  offset = writeBytesField(out, offset, TAG_CHAIN_ID, chainIdBytes);
  if (accountNumber !== 0n) {
    out[offset++] = TAG_ACCOUNT_NUMBER;
    offset = writeVarint(out, offset, accountNumber);
  }
  return out.subarray(0, offset);
}
