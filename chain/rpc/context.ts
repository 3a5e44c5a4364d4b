// What every RPC method handler gets: the node (through RpcBackend) and the server's limits.
import type { RpcBackend } from "./backend.ts";
import type { Json } from "./json.ts";
import type { Params } from "./params.ts";

/** pino-compatible subset, so the node can pass its pino logger and tests can pass nothing. */
export interface RpcLogger {
  debug?(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export const SILENT_LOGGER: RpcLogger = { warn() {}, error() {} };

export interface MethodContext {
  backend: RpcBackend;
  logger: RpcLogger;
  timeoutBroadcastTxCommitMs: number;
  /** Aborted when the server closes, so waits (broadcast_tx_commit) end with it. */
  closing: AbortSignal;
  /** broadcast_tx_commit calls currently waiting; bounded by MAX_WAITING_BROADCAST_TX_COMMIT. */
  waitingCommits: { count: number };
}

export interface RpcMethod {
  /** Names in positional order, for params given as a JSON array (as CometBFT accepts). */
  params: readonly string[];
  /** `requestId` is the JSON-RPC id; subscriptions use it to tag the events they send. */
  run(context: MethodContext, params: Params, requestId: string | number): Promise<Json>;
}
