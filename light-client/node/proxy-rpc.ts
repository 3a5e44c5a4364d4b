// JSON-RPC framing of the verifying proxy, as CometBFT 0.38 answers: request bodies (bounded),
// parameters in both the JSON and the URI form, error objects with CometBFT's codes, and one call
// answered as a response string whatever the handler throws.
import type { IncomingMessage } from "node:http";
import { LightClientError } from "../errors.ts";

/** Largest request body accepted, in bytes: JSON-RPC requests here are a few hundred bytes. */
const MAX_REQUEST_BYTES = 1024 * 1024;
/** JSON-RPC codes as CometBFT uses them. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL = -32603;

export class RpcError extends Error {
  readonly rpcCode: number;
  readonly data: string;
  constructor(rpcCode: number, message: string, data: string) {
    super(message);
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

export type Params = Record<string, unknown>;

/** What serves the methods (LightProxyHandler). */
export interface RpcMethods {
  handle(method: string, params: Params): Promise<unknown>;
}

/** The `height` parameter: absent, empty or 0 mean the latest; otherwise a positive int64. */
export function optionalHeight(params: Params): bigint | undefined {
  const value = params["height"];
  if (value === undefined || value === null || value === "" || value === "0" || value === 0) return undefined;
  const text = String(value);
  if (!/^[1-9][0-9]{0,18}$/.test(text))
    throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", `height ${text}`);
  return BigInt(text);
}

/** The `data` parameter of abci_query: hex (the URI form's 0x already stripped). */
export function queryData(params: Params): Uint8Array {
  const value = params["data"];
  if (value === undefined || value === null || value === "") return new Uint8Array(0);
  const text = String(value);
  if (!/^([0-9a-fA-F]{2})*$/.test(text))
    throw new RpcError(RPC_INVALID_PARAMS, "Invalid params", "data must be hex");
  return Uint8Array.from(Buffer.from(text, "hex"));
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES)
      throw new RpcError(RPC_INVALID_REQUEST, "Invalid Request", "request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function errorJson(id: unknown, error: RpcError): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    error: { code: error.rpcCode, message: error.message, data: error.data },
  });
}

/** One call's response: the result, or the error it ended in (a refusal of the light client is
 * reported to `onRefusal` and answered as an internal error naming its code). */
export async function serveOne(
  methods: RpcMethods,
  id: unknown,
  method: string,
  params: Params,
  onRefusal: ((method: string, error: LightClientError) => void) | undefined,
): Promise<string> {
  try {
    const result = await methods.handle(method, params);
    return JSON.stringify({ jsonrpc: "2.0", id, result });
  } catch (error) {
    if (error instanceof RpcError) return errorJson(id, error);
    if (error instanceof LightClientError) {
      onRefusal?.(method, error);
      return errorJson(
        id,
        new RpcError(
          RPC_INTERNAL,
          "Internal error",
          `light client refused (${error.code}): ${error.message}`,
        ),
      );
    }
    return errorJson(id, new RpcError(RPC_INTERNAL, "Internal error", (error as Error).message));
  }
}
