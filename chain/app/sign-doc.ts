// SIGN_MODE_DIRECT sign bytes (cosmos.tx.v1beta1.SignDoc), encoded by hand: canonical proto3 with
// default values omitted, byte-identical to cosmjs-types' SignDoc.encode (test/app/signature-verdicts.test.ts)
// at a fraction of its cost, since every tx signature needs them in checkTx and again in its block.

/** Protobuf tags: field number << 3 | wire type (2 = length-delimited, 0 = varint). */
const TAG_BODY_BYTES = (1 << 3) | 2;
const TAG_AUTH_INFO_BYTES = (2 << 3) | 2;
const TAG_CHAIN_ID = (3 << 3) | 2;
const TAG_ACCOUNT_NUMBER = (4 << 3) | 0;
/** A uint64 varint takes at most 10 bytes; a length prefix of a field below 4 GiB at most 5. */
const MAX_VARINT_BYTES = 10;

const textEncoder = new TextEncoder();

function writeVarint(out: Uint8Array, offset: number, value: bigint): number {
  let rest = value;
  while (rest >= 0x80n) {
    out[offset++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  out[offset++] = Number(rest);
  return offset;
}

/** A length (a safe integer) as a varint, in numbers (no bigint per field). */
function writeLength(out: Uint8Array, offset: number, length: number): number {
  let rest = length;
  while (rest >= 0x80) {
    out[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[offset++] = rest;
  return offset;
}

/** The last chain id's UTF-8 bytes: a node signs and checks for one chain. */
let lastChainId: { text: string; bytes: Uint8Array } | undefined;

function chainIdBytesOf(chainId: string): Uint8Array {
  if (lastChainId?.text !== chainId) lastChainId = { text: chainId, bytes: textEncoder.encode(chainId) };
  return lastChainId.bytes;
}

function writeBytesField(out: Uint8Array, offset: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return offset;
  out[offset++] = tag;
  offset = writeLength(out, offset, bytes.length);
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
  const chainIdBytes = chainIdBytesOf(chainId);
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
