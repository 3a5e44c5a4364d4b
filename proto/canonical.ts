// Canonical proto3 encoding for anything stored, hashed or signed: fields in number order (what the
// protobufjs static encoders already do) and no field holding its default value. protobufjs writes
// every field that is set on the object, including 0, "", false and empty bytes, so two objects
// meaning the same message could encode differently; stripping defaults first fixes the bytes.
//
// Rules (proto3 without `optional`/oneof, which scripts/gen-proto.ts refuses in our protos):
// - a scalar equal to its default (0, 0n, Long zero, "", false, empty bytes, enum 0) is omitted;
// - null/undefined is omitted; empty repeated fields encode to nothing anyway;
// - 64-bit integers must be given as bigint, number or Long, never as decimal strings (a string "0"
//   cannot be told from a non-empty string field); a bigint is converted to Long here, because the
//   protobufjs writer silently encodes a bigint as 0;
// - a sub-message that is set stays present (encoded even when empty, as Go's proto.Marshal does for
//   a non-nil pointer), and its own fields are stripped by the same rules; repeated messages too.

import type Long from "long";
import protobuf from "protobufjs/minimal.js";

const LongClass = protobuf.util.Long as unknown as typeof Long;

/** A bigint as the Long protobufjs encodes 64-bit fields from (two's complement for negatives). */
export function toLong(value: bigint): Long {
  return LongClass.fromString(BigInt.asUintN(64, value).toString(), true);
}

/** What protobufjs static message classes offer. */
export interface ProtoEncoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

function isLong(value: object): value is { low: number; high: number } {
  const candidate = value as { low?: unknown; high?: unknown; unsigned?: unknown };
  return (
    typeof candidate.low === "number" &&
    typeof candidate.high === "number" &&
    typeof candidate.unsigned === "boolean"
  );
}

function isDefaultScalar(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case "number":
      return value === 0;
    case "bigint":
      return value === 0n;
    case "string":
      return value === "";
    case "boolean":
      return value === false;
    default:
      if (value instanceof Uint8Array) return value.length === 0;
      if (typeof value === "object" && isLong(value)) return value.low === 0 && value.high === 0;
      return false;
  }
}

function stripValue(value: unknown): unknown {
  if (typeof value === "bigint") return toLong(value);
  if (value instanceof Uint8Array || typeof value !== "object" || value === null) return value;
  if (isLong(value)) return value;
  if (Array.isArray(value)) return value.map(stripValue);
  return stripDefaults(value as Record<string, unknown>);
}

/** A copy of a message object without default-valued scalar fields, recursively. */
export function stripDefaults<T extends object>(message: T): T {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (isDefaultScalar(value)) continue;
    copy[key] = stripValue(value);
  }
  return copy as T;
}

/** Canonical proto3 bytes of a message given as a plain object or a protobufjs instance. */
export function encodeCanonical<T extends object>(type: ProtoEncoder<T>, message: T): Uint8Array {
  return type.encode(stripDefaults(message)).finish();
}
