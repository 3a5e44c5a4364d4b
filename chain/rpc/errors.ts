// JSON-RPC 2.0 errors with CometBFT's codes and messages (rpc/jsonrpc/types/types.go). Handlers throw
// RpcError; anything else a handler throws becomes -32603 with the error's message as `data`, the
// way CometBFT reports every failing route.

/** JSON-RPC error codes CometBFT uses; the message text is fixed per code as in CometBFT. */
export const RPC_ERROR = {
  parseError: { code: -32700, message: "Parse error" },
  invalidRequest: { code: -32600, message: "Invalid Request" },
  methodNotFound: { code: -32601, message: "Method not found" },
  invalidParams: { code: -32602, message: "Invalid params" },
  internalError: { code: -32603, message: "Internal error" },
} as const;

export type RpcErrorKind = keyof typeof RPC_ERROR;

export class RpcError extends Error {
  readonly code: number;
  readonly kind: RpcErrorKind;
  /** The reason, sent as `error.data` (CometBFT puts the Go error text there). */
  readonly data: string;
  constructor(kind: RpcErrorKind, data: string) {
    super(`${RPC_ERROR[kind].message}: ${data}`);
    this.kind = kind;
    this.code = RPC_ERROR[kind].code;
    this.data = data;
  }
}

export const invalidParams = (data: string): RpcError => new RpcError("invalidParams", data);
export const internalError = (data: string): RpcError => new RpcError("internalError", data);

export function toErrorObject(error: unknown): { code: number; message: string; data: string } {
  if (error instanceof RpcError)
    return { code: error.code, message: RPC_ERROR[error.kind].message, data: error.data };
  const data = error instanceof Error ? error.message : String(error);
  return { code: RPC_ERROR.internalError.code, message: RPC_ERROR.internalError.message, data };
}
