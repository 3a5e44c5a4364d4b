// Leaf and inner operations of ICS-23 proofs and their checks against a spec (cosmos/ics23 go/ops.go).
// Browser-pure: @noble/hashes and chain/types/bytes.ts only.
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256, sha512, sha512_256 } from "@noble/hashes/sha2.js";
import { HashOp, type InnerOp, type LeafOp, LengthOp } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual, concatBytes } from "../../chain/types/bytes.ts";
import { Ics23Error } from "./errors.ts";
import { type Ics23Spec, specEquals, tendermintSpec } from "./specs.ts";

export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && bytesEqual(bytes.subarray(0, prefix.length), prefix);
}

export function doHash(op: HashOp, preimage: Uint8Array): Uint8Array {
  switch (op) {
    case HashOp.SHA256:
      return sha256(preimage);
    case HashOp.SHA512:
      return sha512(preimage);
    case HashOp.SHA512_256:
      return sha512_256(preimage);
    case HashOp.RIPEMD160:
      return ripemd160(preimage);
    case HashOp.BITCOIN:
      return ripemd160(sha256(preimage));
    default:
      throw new Ics23Error("unsupported_operation", `unsupported hash op ${op}`);
  }
}

export function doHashOrNoop(op: HashOp, preimage: Uint8Array): Uint8Array {
  return op === HashOp.NO_HASH ? preimage : doHash(op, preimage);
}

function encodeVarintProto(length: number): Uint8Array {
  const out: number[] = [];
  let rest = length;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

function doLengthOp(op: LengthOp, data: Uint8Array): Uint8Array {
  switch (op) {
    case LengthOp.NO_PREFIX:
      return data;
    case LengthOp.VAR_PROTO:
      return concatBytes(encodeVarintProto(data.length), data);
    case LengthOp.REQUIRE_32_BYTES:
      if (data.length !== 32) throw new Ics23Error("malformed_proof", `data is ${data.length} bytes, not 32`);
      return data;
    case LengthOp.REQUIRE_64_BYTES:
      if (data.length !== 64) throw new Ics23Error("malformed_proof", `data is ${data.length} bytes, not 64`);
      return data;
    case LengthOp.FIXED32_LITTLE: {
      const prefix = new Uint8Array(4);
      new DataView(prefix.buffer).setUint32(0, data.length, true);
      return concatBytes(prefix, data);
    }
    default:
      throw new Ics23Error("unsupported_operation", `unsupported length op ${op}`);
  }
}

export function applyLeaf(op: LeafOp, key: Uint8Array, value: Uint8Array): Uint8Array {
  if (key.length === 0) throw new Ics23Error("malformed_proof", "leaf op needs a key");
  if (value.length === 0) throw new Ics23Error("malformed_proof", "leaf op needs a value");
  const preparedKey = doLengthOp(op.length, doHashOrNoop(op.prehashKey, key));
  const preparedValue = doLengthOp(op.length, doHashOrNoop(op.prehashValue, value));
  return doHash(op.hash, concatBytes(op.prefix, preparedKey, preparedValue));
}

export function applyInner(op: InnerOp, child: Uint8Array): Uint8Array {
  if (child.length === 0) throw new Ics23Error("malformed_proof", "inner op needs a child value");
  return doHash(op.hash, concatBytes(op.prefix, child, op.suffix));
}

export function checkLeafAgainstSpec(op: LeafOp, spec: Ics23Spec): void {
  const leafSpec = spec.leafSpec;
  if (op.hash !== leafSpec.hash)
    throw new Ics23Error("leaf_spec_mismatch", `unexpected leaf hash op ${op.hash}`);
  if (op.prehashKey !== leafSpec.prehashKey)
    throw new Ics23Error("leaf_spec_mismatch", `unexpected leaf prehash_key ${op.prehashKey}`);
  if (op.prehashValue !== leafSpec.prehashValue)
    throw new Ics23Error("leaf_spec_mismatch", `unexpected leaf prehash_value ${op.prehashValue}`);
  if (op.length !== leafSpec.length)
    throw new Ics23Error("leaf_spec_mismatch", `unexpected leaf length op ${op.length}`);
  if (!startsWith(op.prefix, leafSpec.prefix))
    throw new Ics23Error("leaf_spec_mismatch", "leaf prefix does not start with the spec's leaf prefix");
}

/** Go validateTendermintOps: a simple-Merkle inner op is 0x01 ‖ left or 0x01 with a right suffix. */
function checkTendermintInner(op: InnerOp): void {
  if (op.prefix.length === 0 || op.prefix[0] !== 0x01)
    throw new Ics23Error("inner_spec_mismatch", "tendermint inner op prefix must start with 0x01");
  if (op.suffix.length > 0 && op.prefix.length !== 1)
    throw new Ics23Error("inner_spec_mismatch", "tendermint inner op with a suffix must have prefix 0x01");
}

export function checkInnerAgainstSpec(op: InnerOp, spec: Ics23Spec): void {
  const inner = spec.innerSpec;
  if (op.hash !== inner.hash)
    throw new Ics23Error("inner_spec_mismatch", `unexpected inner hash op ${op.hash}`);
  if (specEquals(spec, tendermintSpec)) checkTendermintInner(op);
  // A prefix starting like a leaf would let a leaf preimage pass as an inner node (second-preimage attack).
  if (startsWith(op.prefix, spec.leafSpec.prefix))
    throw new Ics23Error("inner_spec_mismatch", "inner prefix starts with the leaf prefix");
  if (op.prefix.length < inner.minPrefixLength)
    throw new Ics23Error("inner_spec_mismatch", `inner prefix too short (${op.prefix.length})`);
  const maxLeftChildBytes = (inner.childOrder.length - 1) * inner.childSize;
  if (op.prefix.length > inner.maxPrefixLength + maxLeftChildBytes)
    throw new Ics23Error("inner_spec_mismatch", `inner prefix too long (${op.prefix.length})`);
  if (op.suffix.length % inner.childSize !== 0)
    throw new Ics23Error(
      "inner_spec_mismatch",
      `inner suffix length ${op.suffix.length} is not a multiple of child size`,
    );
}

export function checkSpecShape(spec: Ics23Spec): void {
  const inner = spec.innerSpec;
  if (!(inner.childSize > 0)) throw new Ics23Error("invalid_spec", "child size must be positive");
  const order = inner.childOrder;
  if (order.length < 2) throw new Ics23Error("invalid_spec", "child order needs at least two children");
  const seen = new Set(order);
  if (seen.size !== order.length || order.some((branch) => branch < 0 || branch >= order.length))
    throw new Ics23Error("invalid_spec", "child order must be a permutation of 0..n-1");
}

/** First bytes in hex, for error messages. */
export function toHexShort(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes.subarray(0, 16)) out += byte.toString(16).padStart(2, "0");
  return bytes.length > 16 ? `${out}…` : out;
}
