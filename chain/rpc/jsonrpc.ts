// JSON-RPC 2.0 dispatch shared by HTTP and WebSocket: request validation, batches, positional
// params, and the guarantee that a handler's exception becomes an error response, never a crash.
import type { MethodContext, RpcMethod } from "./context.ts";
import { RpcError, toErrorObject } from "./errors.ts";
import type { Json, JsonObject } from "./json.ts";
import type { Params } from "./params.ts";

/** Requests per batch: each runs concurrently, so this bounds the work one POST can start.
 * cosmjs' HttpBatchClient sends at most 20. */
export const MAX_BATCH_REQUESTS = 100;

export type MethodLookup = (name: string) => RpcMethod | undefined;

type RequestId = string | number;

function errorResponse(id: RequestId | null, error: unknown): JsonObject {
  return { jsonrpc: "2.0", id, error: toErrorObject(error) };
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function toParams(method: RpcMethod, raw: unknown): Params {
  if (raw === undefined || raw === null) return {};
  if (Array.isArray(raw)) {
    if (raw.length > method.params.length) {
      throw new RpcError(
        "invalidParams",
        `expected at most ${method.params.length} params, got ${raw.length}`,
      );
    }
    const params: Params = {};
    raw.forEach((value, i) => {
      params[method.params[i]!] = value;
    });
    return params;
  }
  if (typeof raw === "object") return raw as Params;
  throw new RpcError("invalidParams", "params must be an object or an array");
}

/** Runs one request object; undefined for a notification (no id), which CometBFT skips. */
export async function handleRequest(
  raw: unknown,
  context: MethodContext,
  lookup: MethodLookup,
): Promise<JsonObject | undefined> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return errorResponse(null, new RpcError("invalidRequest", "request must be a JSON object"));
  }
  const request = raw as Record<string, unknown>;
  if (!("id" in request)) return undefined;
  const id = request["id"];
  if (!isRequestId(id))
    return errorResponse(null, new RpcError("invalidRequest", "id must be a string or number"));
  if (request["jsonrpc"] !== "2.0") {
    return errorResponse(id, new RpcError("invalidRequest", 'jsonrpc must be "2.0"'));
  }
  const name = request["method"];
  if (typeof name !== "string")
    return errorResponse(id, new RpcError("invalidRequest", "method must be a string"));
  const method = lookup(name);
  if (method === undefined) return errorResponse(id, new RpcError("methodNotFound", name));
  return runMethod(method, id, request["params"], context);
}

export async function runMethod(
  method: RpcMethod,
  id: RequestId,
  rawParams: unknown,
  context: MethodContext,
): Promise<JsonObject> {
  try {
    const result = await method.run(context, toParams(method, rawParams), id);
    return { jsonrpc: "2.0", id, result };
  } catch (error) {
    if (!(error instanceof RpcError)) context.logger.debug?.({ err: error }, "rpc method failed");
    return errorResponse(id, error);
  }
}

/** Parses and runs a body holding one request or a batch; undefined when nothing is to be sent. */
export async function handleBody(
  body: string,
  context: MethodContext,
  lookup: MethodLookup,
): Promise<Json | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return errorResponse(
      null,
      new RpcError("parseError", `error unmarshaling request: ${(error as Error).message}`),
    );
  }
  if (!Array.isArray(parsed)) return handleRequest(parsed, context, lookup);
  if (parsed.length === 0) return errorResponse(null, new RpcError("invalidRequest", "empty batch"));
  if (parsed.length > MAX_BATCH_REQUESTS) {
    return errorResponse(
      null,
      new RpcError("invalidRequest", `batch of ${parsed.length} requests exceeds ${MAX_BATCH_REQUESTS}`),
    );
  }
  const responses = await Promise.all(parsed.map((item) => handleRequest(item, context, lookup)));
  const sent = responses.filter((response): response is JsonObject => response !== undefined);
  return sent.length === 0 ? undefined : sent;
}
