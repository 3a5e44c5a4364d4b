// config/client.toml: defaults for the client commands (keys, tx, query), as in the Cosmos SDK.
import { existsSync, readFileSync } from "node:fs";
import { stringify } from "smol-toml";
import { ConfigError } from "./errors.ts";
import { writeFileAtomic } from "./files.ts";
import { parseToml } from "./toml-file.ts";

export const KEYRING_BACKENDS = ["file", "test"] as const;
export type KeyringBackendName = (typeof KEYRING_BACKENDS)[number];
export const OUTPUT_FORMATS = ["json", "text"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ClientConfig {
  /** Chain id expected when signing; "" = take it from the node. */
  chainId: string;
  keyringBackend: KeyringBackendName;
  /** RPC endpoint, "tcp://host:port" or an http(s) URL; "" = derive from config.toml rpc.laddr. */
  node: string;
  output: OutputFormat;
}

export const DEFAULT_CLIENT_CONFIG: ClientConfig = {
  chainId: "",
  keyringBackend: "file",
  node: "",
  output: "json",
};

function pick<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${choices.join(", ")}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function text(value: unknown, field: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string") throw new ConfigError(field, "must be a string");
  return value;
}

/** Loads client.toml; a missing file means the defaults. */
export function loadClientConfig(file: string): ClientConfig {
  if (!existsSync(file)) return { ...DEFAULT_CLIENT_CONFIG };
  const document = parseToml(readFileSync(file, "utf8"), file);
  for (const key of Object.keys(document)) {
    if (!["chain-id", "keyring-backend", "node", "output"].includes(key)) {
      throw new ConfigError(`client.${key}`, "unknown setting");
    }
  }
  return {
    chainId: text(document["chain-id"], "client.chain-id"),
    keyringBackend: pick(document["keyring-backend"], "client.keyring-backend", KEYRING_BACKENDS, "file"),
    node: text(document["node"], "client.node"),
    output: pick(document["output"], "client.output", OUTPUT_FORMATS, "json"),
  };
}

export function saveClientConfig(file: string, config: ClientConfig): void {
  const body = stringify({
    "chain-id": config.chainId,
    "keyring-backend": config.keyringBackend,
    node: config.node,
    output: config.output,
  });
  writeFileAtomic(
    file,
    "# Defaults for sensorchain client commands (keys, tx, query); flags override them.\n" +
      '# keyring-backend: "file" (encrypted) or "test" (unencrypted, development only).\n' +
      `${body}\n`,
  );
}
