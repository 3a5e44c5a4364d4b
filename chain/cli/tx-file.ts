// Txs as files, as the Cosmos SDK's CLI writes and reads them (`simd tx … --generate-only`, `tx sign`,
// `tx broadcast`, `tx encode|decode`): the proto3 JSON of a cosmos.tx.v1beta1.Tx as sdk-json.ts prints
// it, read back into the same protobuf. Signing and broadcasting both encode the body and auth info
// from that protobuf (canonical encodings), so the bytes broadcast are the bytes signed.
import { readFileSync, statSync } from "node:fs";
import { AuthInfo, Tx, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { snakeToCamel } from "../util/case.ts";
import { CliError } from "./errors.ts";
import { jsonRegistry, messageJson } from "./sdk-json.ts";

/** A tx file's JSON is a few times its protobuf, and the node takes no tx above 1 MiB
 * (mempool.max_tx_bytes' default): a file beyond this is not a tx. */
export const MAX_TX_FILE_BYTES = 8 * 1024 * 1024;
/** Nesting of Anys and messages in any tx we know is a handful of levels; a deeper file is refused
 * before the recursion could exhaust the stack. */
const MAX_JSON_DEPTH = 64;

type Registry = ReturnType<typeof jsonRegistry>;

interface JsonReadable {
  fromJSON(json: unknown): object;
  encode(message: object): { finish(): Uint8Array };
}

function isJsonReadable(type: unknown): type is JsonReadable {
  return typeof (type as Partial<JsonReadable> | undefined)?.fromJSON === "function";
}

function invalid(where: string, message: string): CliError {
  return new CliError("invalid_tx_file", `${where}: ${message}`);
}

/** The SDK's JSON (snake_case, Anys as {"@type", ...fields}) → cosmjs-types' (camelCase, Anys as
 * {typeUrl, value: base64}); an Any's fields are encoded through its registered type. */
function toCosmjsJson(value: unknown, registry: Registry, where: string, depth = 0): unknown {
  if (depth > MAX_JSON_DEPTH) throw invalid(where, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((entry) => toCosmjsJson(entry, registry, where, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const { "@type": typeUrl, ...fields } = value as Record<string, unknown>;
  const converted = Object.fromEntries(
    Object.entries(fields).map(([key, entry]) => [
      snakeToCamel(key),
      toCosmjsJson(entry, registry, where, depth + 1),
    ]),
  );
  if (typeUrl === undefined) return converted;
  if (typeof typeUrl !== "string") throw invalid(where, '"@type" must be a string');
  const type = registry.lookupType(typeUrl);
  if (!isJsonReadable(type)) throw invalid(where, `unknown message type ${typeUrl}`);
  let bytes: Uint8Array;
  try {
    bytes = type.encode(type.fromJSON(converted)).finish();
  } catch (error) {
    throw invalid(where, `bad ${typeUrl}: ${(error as Error).message}`);
  }
  return { typeUrl, value: Buffer.from(bytes).toString("base64") };
}

/** The first field of `input` that `printed` (the parsed tx printed again) lacks: a misspelt or
 * foreign field would otherwise be dropped silently and the tx signed without it. */
function unknownField(input: unknown, printed: unknown, path: string): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  if (Array.isArray(input)) {
    if (!Array.isArray(printed)) return path;
    for (const [index, entry] of input.entries()) {
      const found = unknownField(entry, printed[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof printed !== "object" || printed === null) return path;
  for (const [key, entry] of Object.entries(input)) {
    // The SDK prints unset messages as null (e.g. "tip": null); they carry nothing.
    if (entry === null) continue;
    if (!(key in printed)) return path === "" ? key : `${path}.${key}`;
    const found = unknownField(
      entry,
      (printed as Record<string, unknown>)[key],
      path === "" ? key : `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A tx's SDK JSON text → the Tx; `where` names its source in errors. */
export function parseTxJson(text: string, where: string): Tx {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(where, `not JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw invalid(where, 'expected a tx object {"body", "auth_info", "signatures"}');
  if (!("body" in json) || !("auth_info" in json))
    throw invalid(where, 'a tx has "body" and "auth_info" (as --generate-only prints it)');
  const registry = jsonRegistry();
  let tx: Tx;
  try {
    tx = Tx.fromJSON(toCosmjsJson(json, registry, where));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw invalid(where, (error as Error).message);
  }
  const unknown = unknownField(json, txJson(tx), "");
  if (unknown !== undefined) throw invalid(where, `unknown field ${unknown}`);
  return tx;
}

/** Reads and parses a tx file. */
export function readTxFile(path: string): Tx {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new CliError("file_not_found", `cannot read tx file ${path}`);
  }
  if (size > MAX_TX_FILE_BYTES) throw invalid(path, `larger than ${MAX_TX_FILE_BYTES} bytes; not a tx file`);
  return parseTxJson(readFileSync(path, "utf8"), path);
}

/** The tx as the SDK prints it (`--generate-only`, `tx sign`, `tx decode`). */
export function txJson(tx: Tx): unknown {
  return messageJson(Tx, tx);
}

/** The body and auth info bytes exactly as signed and broadcast. */
export function txSignedParts(tx: Tx): { bodyBytes: Uint8Array; authInfoBytes: Uint8Array } {
  return {
    bodyBytes: TxBody.encode(tx.body ?? TxBody.fromPartial({})).finish(),
    authInfoBytes: AuthInfo.encode(tx.authInfo ?? AuthInfo.fromPartial({})).finish(),
  };
}

/** The TxRaw bytes a node takes (`tx encode`, `tx broadcast`). */
export function encodeTx(tx: Tx): Uint8Array {
  return TxRaw.encode(TxRaw.fromPartial({ ...txSignedParts(tx), signatures: tx.signatures })).finish();
}

/** TxRaw bytes → the Tx (`tx decode`); `where` names the source in errors. */
export function decodeTx(bytes: Uint8Array, where: string): Tx {
  try {
    const raw = TxRaw.decode(bytes);
    return Tx.fromPartial({
      body: TxBody.decode(raw.bodyBytes),
      authInfo: AuthInfo.decode(raw.authInfoBytes),
      signatures: raw.signatures,
    });
  } catch (error) {
    throw invalid(where, `not a protobuf TxRaw (${(error as Error).message})`);
  }
}
