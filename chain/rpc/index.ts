// Public surface of the RPC layer.
export type { NodeEvent, NodeStatus, RpcBackend } from "./backend.ts";
export type { RpcLogger } from "./context.ts";
export { RPC_DEFAULTS, type RpcServer, type RpcServerOptions, startRpcServer } from "./server.ts";
