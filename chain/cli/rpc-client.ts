// Reaching a node: the --node flag, client.toml, or the home's config.toml rpc.laddr, turned into
// the http:// URL cosmjs posts to.
import { existsSync } from "node:fs";
import { loadConfig } from "../config.ts";
import type { CommandContext } from "./context.ts";
import { CliError } from "./errors.ts";

export const DEFAULT_NODE = "tcp://127.0.0.1:26657";
/** The --node flag of every verb that asks a node (commander's option arguments). */
export const NODE_OPTION = [
  "--node <url>",
  "node RPC endpoint: tcp://host:port or http(s)://… (default from client.toml / config.toml)",
] as const;
/** How long a CLI call waits for the node before giving up, in milliseconds. */
const RPC_TIMEOUT_MS = 30_000;

/** "tcp://host:port" → "http://host:port" (CometBFT's --node form); a listen-all host becomes loopback. */
export function nodeUrl(text: string): string {
  const withScheme = text.startsWith("tcp://") ? `http://${text.slice("tcp://".length)}` : text;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(
      "invalid_node",
      `--node must be tcp://host:port or an http(s) URL, got ${JSON.stringify(text)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(
      "invalid_node",
      `--node must be tcp://, http:// or https://, got ${JSON.stringify(text)}`,
    );
  }
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.toString().replace(/\/$/, "");
}

export function resolveNode(flag: string | undefined, context: CommandContext): string {
  if (flag !== undefined) return nodeUrl(flag);
  if (context.client.node !== "") return nodeUrl(context.client.node);
  if (existsSync(context.paths.configFile)) return nodeUrl(loadConfig(context.paths.home).rpc.laddr);
  return nodeUrl(DEFAULT_NODE);
}

/** Wraps a cosmjs call so that an unreachable node gives one clear line instead of a stack. */
export async function withNode<T>(url: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const text = String((error as Error).message ?? error);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if (cause === "ECONNREFUSED" || /fetch failed|ECONNREFUSED/.test(text)) {
      throw new CliError("node_unreachable", `cannot reach a node at ${url} (is it running? see --node)`);
    }
    throw error;
  }
}

/** One raw CometBFT JSON-RPC call through cosmjs' HttpClient; returns `result` as the node sent it. */
export async function rpcCall(url: string, method: string, params: Record<string, string>): Promise<unknown> {
  const { HttpClient } = await import("@cosmjs/tendermint-rpc");
  const client = new HttpClient(url, RPC_TIMEOUT_MS);
  try {
    const response = await withNode(url, () =>
      client.execute({ jsonrpc: "2.0", id: Math.floor(Math.random() * 1e12), method, params }),
    );
    return response.result;
  } finally {
    client.disconnect();
  }
}
