// Reads and writes config.toml through smol-toml. Written files carry a comment per setting, as
// CometBFT's do, so that an operator can edit them without the docs at hand.
import { parse, stringify, TomlError } from "smol-toml";
import { ConfigError } from "./errors.ts";
import type { TomlDocument } from "./schema.ts";

/** config.toml is a few kilobytes; anything far larger is not a config file. */
export const MAX_CONFIG_FILE_BYTES = 1 << 20;

export function parseToml(text: string, file: string): TomlDocument {
  if (text.length > MAX_CONFIG_FILE_BYTES) throw new ConfigError(file, "file is larger than 1 MiB");
  try {
    return parse(text) as TomlDocument;
  } catch (error) {
    const detail = error instanceof TomlError ? `line ${error.line}, column ${error.column}: ` : "";
    throw new ConfigError(file, `not valid TOML: ${detail}${(error as Error).message.split("\n")[0]}`);
  }
}

function value(v: unknown): string {
  return stringify({ v }).slice("v = ".length).trim();
}

const COMMENTS: Record<string, Record<string, string>> = {
  rpc: {
    "": "CometBFT-compatible JSON-RPC server (what cosmjs connects to).",
    laddr: "TCP address the RPC server listens on.",
    cors_allowed_origins: 'Origins a browser may call from; ["*"] allows any.',
    max_body_bytes: "Largest request body accepted, in bytes.",
    max_open_connections: "Most simultaneous connections (0 = unlimited).",
    timeout_broadcast_tx_commit: "How long broadcast_tx_commit waits for the tx to be committed.",
  },
  p2p: {
    "": "Peer-to-peer network (libp2p).",
    laddr: "TCP address to listen on for peers.",
    persistent_peers:
      "Comma-separated peers to keep connected to: <peer-id>@/ip4/127.0.0.1/tcp/26656 or <peer-id>@host:port.",
    validator_peers: "Comma-separated libp2p peer ids of the validators (gossipsub direct peers).",
  },
  consensus: {
    "": "Tendermint BFT consensus.",
    timeout_commit:
      'Pause after a decision before the next height starts (CometBFT timeout_commit: "1s", "500ms"); late precommits still count meanwhile.',
    block_interval:
      'When above 0: heights start this long apart (round 0 to round 0), the pause after a decision shortened by the time the height took, never below timeout_commit ("1s"; "0s" = off: every height waits timeout_commit).',
    max_block_txs: "Most txs a proposer puts in one block (others must execute it within timeout_propose).",
  },
  mempool: {
    "": "Pending transactions.",
    size: "Most txs held.",
    max_tx_bytes: "Largest single tx, in bytes.",
    max_txs_bytes: "Most bytes of txs held in total.",
    verify_workers: "Threads verifying tx signatures (about 13,000/s each, ~27 MB each).",
  },
  app: {
    "": "Application settings (Cosmos SDK app.toml equivalents).",
    minimum_gas_prices:
      'Lowest gas price this node accepts into its mempool, e.g. "0.025usensor"; "" accepts any.',
  },
  store: {
    "": "State storage.",
    pruning:
      '"default" keeps 362880 versions (pruned every 10 blocks), "nothing" keeps all (archive),\n' +
      '# "everything" keeps 2, "custom" uses pruning_keep_recent and pruning_interval.',
    pruning_keep_recent: 'Versions kept with pruning = "custom" (at least 2).',
    pruning_interval: 'Blocks between prunings with pruning = "custom" (at least 10).',
  },
  mqtt: {
    "": "MQTT bridge: the embedded broker devices publish signed readings to (bridge-mqtt/README.md).",
    enabled: "Run the embedded broker (true) or not (false).",
    laddr: 'TCP address the broker listens on ("tcp://127.0.0.1:1883"; port 0 lets the OS choose).',
    tls_laddr: 'MQTT over TLS, e.g. "tcp://0.0.0.0:8883" ("" = off); needs tls_cert_file and tls_key_file.',
    tls_cert_file: "PEM certificate chain of the TLS listener (relative to the home or absolute).",
    tls_key_file: "PEM private key of the TLS listener.",
    ws_laddr: 'MQTT over WebSocket (path /mqtt), e.g. "tcp://0.0.0.0:8083" ("" = off).',
    external_url:
      'Consume from an external broker ("mqtt://host:1883") instead of embedding one ("" = embedded).',
    external_username: "User name the bridge logs in to the external broker with.",
    external_password: "Password the bridge logs in to the external broker with.",
    shared_group: "Shared-subscription group of the bridges that split an external broker's readings.",
    verify_workers: "Worker threads that verify device signatures (0 = on the main thread).",
    retention_days: "Days readings are kept after their day is final (unfinalized days are kept).",
    commit_grace:
      'Wait after a UTC day ends before committing its roots ("1h"): at least the age a reading may have on arrival (1 h), so a buffered reading still counts.',
    operator_key_file:
      'This validator operator\'s key file that signs daily commitments ("" = do not submit or attest).',
  },
  log: {
    "": "Logging.",
    level: "trace, debug, info, warn, error, fatal or silent.",
    format: "plain or json.",
  },
};

/** Renders a config document as commented TOML; parsing the result gives the same document. */
export function renderConfigToml(document: TomlDocument): string {
  const lines = ["# sensorchain node configuration (CometBFT / Cosmos SDK style).", ""];
  for (const [key, entry] of Object.entries(document)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      lines.push(`${key} = ${value(entry)}`);
  }
  for (const [name, entry] of Object.entries(document)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
    const comments = COMMENTS[name] ?? {};
    lines.push("");
    if (comments[""] !== undefined) lines.push(`# ${comments[""]}`);
    lines.push(`[${name}]`);
    for (const [key, setting] of Object.entries(entry)) {
      if (comments[key] !== undefined) lines.push(`# ${comments[key]}`);
      lines.push(`${key} = ${value(setting)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
