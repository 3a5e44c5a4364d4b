// Field readers for JSON documents: each checks one value's type and names the field when it fails.

export class GenesisError extends Error {
  readonly code = "invalid_genesis";
  /** JSON path of the offending value, e.g. "app_state.bank.balances[1].coins". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`genesis ${field}: ${message}`);
    this.field = field;
  }
}

export type JsonObject = Record<string, unknown>;

export function object(value: unknown, field: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GenesisError(field, `must be an object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

export function array(value: unknown, field: string, maxLength: number): unknown[] {
  if (!Array.isArray(value)) throw new GenesisError(field, `must be an array, got ${describe(value)}`);
  if (value.length > maxLength) throw new GenesisError(field, `has more than ${maxLength} entries`);
  return value;
}

export function string(value: unknown, field: string): string {
  if (typeof value !== "string") throw new GenesisError(field, `must be a string, got ${describe(value)}`);
  return value;
}

export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean")
    throw new GenesisError(field, `must be true or false, got ${describe(value)}`);
  return value;
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** An int64 written as a decimal string (Go's JSON for int64 under amino/cmtjson). */
export function int64(value: unknown, field: string, min: bigint = -INT64_MAX - 1n): bigint {
  const text = string(value, field);
  if (!/^-?[0-9]+$/.test(text))
    throw new GenesisError(field, `must be an integer string, got ${JSON.stringify(text)}`);
  const parsed = BigInt(text);
  if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) throw new GenesisError(field, "is out of int64 range");
  if (parsed < min) throw new GenesisError(field, `must be at least ${min}, got ${parsed}`);
  return parsed;
}

/** A uint64 written as a decimal string (protobuf JSON). */
export function uint64(value: unknown, field: string, min = 0n): bigint {
  const text = string(value, field);
  if (!/^[0-9]+$/.test(text))
    throw new GenesisError(field, `must be an unsigned integer string, got ${JSON.stringify(text)}`);
  const parsed = BigInt(text);
  if (parsed > UINT64_MAX) throw new GenesisError(field, "is out of uint64 range");
  if (parsed < min) throw new GenesisError(field, `must be at least ${min}, got ${parsed}`);
  return parsed;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === "object" ? "an object" : String(value);
}
