// Parameter decoding for RPC methods. The same value can arrive three ways: a JSON-RPC POST body
// (heights as "5" or 5, []byte as base64, HexBytes as hex), the GET URI form (CometBFT rules:
// strings quoted, bytes as 0x…, numbers and booleans bare), or positional arrays. URI values are
// turned into their JSON equivalent first (uriToJsonValue), so each method decodes one way.
import { fromBase64, fromHex } from "../crypto/hash.ts";
import { invalidParams } from "./errors.ts";

/** Largest height/page accepted: int64 like CometBFT; larger is invalid, not wrapped. */
const MAX_INT64 = (1n << 63n) - 1n;

export type Params = Record<string, unknown>;

/** A bare URI value "0xABCD" means hex bytes; this marker keeps that apart from a quoted string. */
export class UriHexBytes {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/** Decodes one URI query value by CometBFT's rules. */
export function uriToJsonValue(name: string, text: string): unknown {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  if (/^0x/i.test(text)) {
    try {
      return new UriHexBytes(fromHex(text.slice(2)));
    } catch {
      throw invalidParams(`${name}: invalid hex ${JSON.stringify(text.slice(0, 40))}`);
    }
  }
  if (text === "true") return true;
  if (text === "false") return false;
  // Numbers stay text so int64 values do not pass through a float.
  return text;
}

function optional(params: Params, name: string): unknown {
  const value = params[name];
  return value === null || value === "" ? undefined : value;
}

/** int64 given as a JSON number or a decimal string; undefined when absent. */
export function optionalInteger(params: Params, name: string): bigint | undefined {
  const value = optional(params, name);
  if (value === undefined) return undefined;
  let result: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) result = BigInt(value);
  else if (typeof value === "string" && /^-?[0-9]{1,19}$/.test(value)) result = BigInt(value);
  else throw invalidParams(`${name}: expected an integer, got ${describe(value)}`);
  if (result > MAX_INT64 || result < -MAX_INT64) throw invalidParams(`${name}: out of int64 range`);
  return result;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = optional(params, name);
  if (value === undefined) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalidParams(`${name}: expected a boolean, got ${describe(value)}`);
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = optional(params, name);
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidParams(`${name}: expected a string, got ${describe(value)}`);
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw invalidParams(`${name}: required`);
  return value;
}

/** Go []byte: base64 in JSON, 0x… hex in a URI. A 64-char hex string is also taken, since tx
 * hashes are commonly pasted that way and a 32-byte base64 value is 44 characters long. */
export function requiredBytes(params: Params, name: string): Uint8Array {
  const value = optional(params, name);
  if (value instanceof UriHexBytes) return value.bytes;
  if (typeof value !== "string") throw invalidParams(`${name}: required, base64 or 0x-prefixed hex`);
  try {
    if (/^[0-9a-fA-F]{64}$/.test(value)) return fromHex(value);
    return fromBase64(value);
  } catch {
    throw invalidParams(`${name}: invalid base64`);
  }
}

/** CometBFT HexBytes (abci_query data): hex in JSON, with or without 0x; empty when absent. */
export function optionalHexBytes(params: Params, name: string): Uint8Array {
  const value = optional(params, name);
  if (value === undefined) return new Uint8Array();
  if (value instanceof UriHexBytes) return value.bytes;
  if (typeof value !== "string") throw invalidParams(`${name}: expected hex, got ${describe(value)}`);
  try {
    return fromHex(value.replace(/^0x/i, ""));
  } catch {
    throw invalidParams(`${name}: invalid hex`);
  }
}

function describe(value: unknown): string {
  if (value instanceof UriHexBytes) return "hex bytes";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
