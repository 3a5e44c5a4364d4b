// Wraps a protobufjs static message class as a cosmjs GeneratedType (ts-proto shape) whose encoding
// is canonical proto3 (proto/canonical.ts): cosmjs' Registry.encode calls fromPartial(value) and then
// encode(instance), so stripping defaults in fromPartial makes the signed body bytes canonical.
import type { TsProtoGeneratedType } from "@cosmjs/proto-signing";
import { stripDefaults } from "../proto/canonical.ts";

interface ProtobufjsClass<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  fromObject(object: object): T;
  toObject(message: T, options: object): object;
}

/** proto3 JSON as cosmjs-types' toJSON prints it: every field, 64-bit integers as strings, enums by name. */
const JSON_OPTIONS = { longs: String, enums: String, bytes: String, defaults: true, arrays: true };

/** A GeneratedType that also prints a decoded message as (camelCase) proto3 JSON and reads it back,
 * as cosmjs-types' do. */
export type JsonGeneratedType = TsProtoGeneratedType & {
  toJSON(message: object): unknown;
  fromJSON(json: unknown): object;
};

export function canonicalType<T extends object>(type: ProtobufjsClass<T>): JsonGeneratedType {
  return {
    // cosmjs types the writer parameter as its own BinaryWriter; our encode makes a fresh writer.
    encode: (message: object) => type.encode(message as T) as ReturnType<TsProtoGeneratedType["encode"]>,
    decode: (input: Uint8Array | unknown) => {
      if (!(input instanceof Uint8Array)) throw new TypeError("decode takes the message bytes");
      return type.decode(input);
    },
    fromPartial: (value: object) => stripDefaults(value as T),
    toJSON: (message: object) => type.toObject(message as T, JSON_OPTIONS),
    // Defaults stripped as in fromPartial: a tx file's explicit "0" or "" must encode canonically.
    fromJSON: (json: unknown) => stripDefaults(type.fromObject(json as object)),
  };
}
