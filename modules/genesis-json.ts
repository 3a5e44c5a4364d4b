// What the modules' genesis files share: app_state.<module> is proto3 JSON with snake_case field names
// (as the Cosmos SDK writes genesis), which the generated protobufjs types read and write in
// camelCase; and the errors of an import, each naming the module and the field that failed.
import { AbciError, GenesisError } from "../chain/app/errors.ts";
import { camelToSnake, snakeToCamel } from "../chain/util/case.ts";

export type Json = Record<string, unknown>;

/** `value` with every object key renamed, at any depth. */
export function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameKeys(item, rename));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
}

/** A generated protobufjs message type T (its plain-object conversions). */
export interface GenesisMessageType<T> {
  fromObject(object: Json): T;
  toObject(message: T, options: object): Json;
}

/** `object` (a message's fields) as genesis JSON: snake_case keys, written as protobufjs's toObject
 * `options` say (64-bit integers, enums and bytes as strings or not). */
export function messageToGenesisJson<T>(
  type: GenesisMessageType<T>,
  object: object,
  options: object,
): unknown {
  return renameKeys(type.toObject(type.fromObject(object as Json), options), camelToSnake);
}

export interface GenesisChecks {
  /** Throws the GenesisError `<module> genesis: <message>`. */
  fail(message: string): never;
  /** Runs a check that throws the module's AbciError (or a decoder's Error), reporting it as a genesis
   * error at `field`; a GenesisError passes through as it is. */
  at<T>(field: string, check: () => T): T;
  /** app_state.<module> (which must be a JSON object) decoded with the module's GenesisState type. */
  decode<T>(value: unknown, type: { fromObject(object: Json): T }): T;
}

export function genesisChecks(module: string): GenesisChecks {
  const fail = (message: string): never => {
    throw new GenesisError(`${module} genesis: ${message}`);
  };
  const at = <T>(field: string, check: () => T): T => {
    try {
      return check();
    } catch (error) {
      if (error instanceof GenesisError) throw error;
      if (error instanceof AbciError) fail(`${field}: ${error.log}`);
      if (error instanceof Error) fail(`${field}: ${error.message}`);
      throw error;
    }
  };
  return {
    fail,
    at,
    decode(value, type) {
      if (value === null || typeof value !== "object" || Array.isArray(value))
        fail(`app_state.${module} must be an object`);
      return at(`app_state.${module}`, () => type.fromObject(renameKeys(value, snakeToCamel) as Json));
    },
  };
}
