// The route table: every method served over both HTTP and WebSocket.
import type { RpcMethod } from "./context.ts";
import { BLOCK_METHODS } from "./methods-block.ts";
import { EVIDENCE_METHODS } from "./methods-evidence.ts";
import { INFO_METHODS } from "./methods-info.ts";
import { TX_METHODS } from "./methods-tx.ts";

export const METHODS: Readonly<Record<string, RpcMethod>> = Object.freeze({
  ...INFO_METHODS,
  ...BLOCK_METHODS,
  ...TX_METHODS,
  ...EVIDENCE_METHODS,
});

/** Own properties only, so "constructor" or "__proto__" are unknown methods, not crashes. */
export function lookupMethod(name: string): RpcMethod | undefined {
  return Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
}
