// config.toml: its sections (named as in CometBFT / Cosmos SDK where they exist), defaults and
// validation. The TOML document is checked into a typed NodeConfig; every error names its field.
import type { PruningOptions } from "../store/commit-types.ts";
import { parseDecCoins } from "../types/coin.ts";
import { parseDurationMs } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { HomePaths } from "./home.ts";

export const PRUNING_STRATEGIES = ["default", "nothing", "everything", "custom"] as const;
export type PruningStrategy = (typeof PRUNING_STRATEGIES)[number];
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["plain", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Cosmos SDK pruning presets (store/pruning/types/options.go): versions kept and prune interval. */
export const PRUNING_PRESETS = {
  default: { keepRecent: 362_880, interval: 10 },
  nothing: { keepRecent: 0, interval: 0 },
  everything: { keepRecent: 2, interval: 10 },
} as const;
/** The SDK refuses custom pruning that keeps fewer versions or prunes more often than "everything". */
const MIN_PRUNING_KEEP_RECENT = 2;
const MIN_PRUNING_INTERVAL = 10;
/** Monikers show in status output and peer lists; keep them short enough to read there. */
const MAX_MONIKER_LENGTH = 64;
/** Upper bounds that catch typos (an extra zero or three) rather than limit real deployments. */
const MAX_RPC_BODY_BYTES = 1 << 30;
const MAX_MEMPOOL_TX_BYTES = 1 << 30;
const MAX_MEMPOOL_TXS_BYTES = 2 ** 40;
const MAX_MEMPOOL_SIZE = 10_000_000;
const MAX_TIMEOUT_MS = 24 * 3_600_000;

export interface ListenAddress {
  /** As written: "tcp://127.0.0.1:26657". */
  text: string;
  host: string;
  port: number;
}

/** Most txs a proposer puts in one block. After a decision every validator executes the block before
 * it can take part in the next height; an uncapped proposer reaps the whole backlog (thousands of txs
 * after one slow height, at 4 ms of execution per tx in session 3), the next height then starts many
 * seconds late on every node, proposals miss timeout_propose, rounds repeat and the backlog grows (the
 * devnet fell to 3 tx/s under 400 tx/s offered; docs/PERFORMANCE.md Devnet). A block now executes in
 * ~0.25 ms per MsgSend (finalize, block store, commit, recheck), so 2,000 are ~0.5 s quiet, ~1 s on a
 * loaded host, well inside timeout_propose. The cap was 1,000 until session 9: loaded devnet heights
 * take 1.3-1.6 s, so 1,000 allowed only 625-770 tx/s against 600 offered, and a backlog left by one
 * slow height drained at the ~100 txs per height to spare (a quiet session 8 run never drained one;
 * at load 4 eleven of seventeen blocks were full and most txs missed one proposal). 2,000 takes a
 * height's arrivals plus such a backlog in one block. */
export const DEFAULT_MAX_BLOCK_TXS = 2_000;

/** The MQTT port (IANA 1883) on loopback: devices on other hosts need the operator to open it. */
export const DEFAULT_MQTT_LADDR = "tcp://127.0.0.1:1883";

/** [mqtt]: the bridge (bridge-mqtt/README.md, Configuration). Empty strings mean "off". */
export interface MqttConfig {
  enabled: boolean;
  /** The embedded broker's plain TCP listener. */
  laddr: string;
  /** MQTT over TLS (IANA 8883): on when tlsLaddr is set; then certFile and keyFile are required. */
  tlsLaddr: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** MQTT over WebSocket (8083, path /mqtt): on when set. */
  wsLaddr: string;
  /** External mode: "mqtt://host:1883" of a broker the operator runs; the embedded broker is then
   * not started and the bridge consumes readings with the shared subscription group below. */
  externalUrl: string;
  externalUsername: string;
  externalPassword: string;
  sharedGroup: string;
  /** Worker threads verifying device signatures (0: verify on the main thread). */
  verifyWorkers: number;
  /** Days of readings kept after their day is final (a day not yet final is never pruned). */
  retentionDays: number;
  /** How long after a UTC day ends the bridge waits before computing and submitting its roots. */
  commitGraceMs: number;
  /** The validator operator's account key (secp256k1, JSON {"mnemonic"} or {"private_key" hex}) that
   * signs daily commitments; "" = none, this node does not submit or attest. Relative to the home. */
  operatorKeyFile: string;
}

export interface NodeConfig {
  paths: HomePaths;
  moniker: string;
  rpc: {
    /** "tcp://host:port", checked by parseListenAddress. */
    laddr: string;
    corsAllowedOrigins: string[];
    maxBodyBytes: number;
    maxOpenConnections: number;
    timeoutBroadcastTxCommitMs: number;
  };
  /** persistentPeers: chain/p2p/peers.ts formats; validatorPeers: libp2p peer ids of the validators
   * (until the poa module lists node ids), kept as gossipsub direct peers. */
  p2p: { laddr: string; persistentPeers: string[]; validatorPeers: string[] };
  /** timeoutCommitMs is the pause after a decision before the next height (CometBFT timeout_commit);
   * blockIntervalMs, when > 0, paces heights: the next one starts blockIntervalMs after this one's
   * round 0 started, or timeoutCommitMs after the decision if that is later (0: off). */
  consensus: { timeoutCommitMs: number; blockIntervalMs: number; maxBlockTxs: number };
  /** verifyWorkers: threads verifying tx signatures (ingress, proposals); each costs ~27 MB. */
  mempool: { size: number; maxTxBytes: number; maxTxsBytes: number; verifyWorkers: number };
  /**
   * Gas prices below which this node's mempool refuses txs, as decimal coins ("0.025usensor");
   * "" accepts any fee. Checked with parseDecCoins (chain/types/coin.ts).
   */
  app: { minimumGasPrices: string };
  /** The chosen preset and what it means: keepRecent 0 = keep every version (archive). */
  store: { pruningStrategy: PruningStrategy; pruning: PruningOptions };
  /** The embedded MQTT broker of the bridge (bridge-mqtt/README.md): off when `enabled` is false;
   * laddr "tcp://host:port" (port 0: the OS chooses, the node logs it). */
  mqtt: MqttConfig;
  log: { level: LogLevel; format: LogFormat };
}

/** Command-line flags that override config.toml, named after CometBFT / Cosmos SDK flags. */
export interface ConfigOverrides {
  moniker?: string;
  /** --rpc.laddr */
  rpcLaddr?: string;
  /** --p2p.laddr */
  p2pLaddr?: string;
  /** --consensus.timeout_commit */
  timeoutCommit?: string;
  /** --minimum-gas-prices */
  minimumGasPrices?: string;
  /** --pruning */
  pruning?: string;
  /** --log_level */
  logLevel?: string;
  /** --log_format */
  logFormat?: string;
  /** --mqtt.laddr */
  mqttLaddr?: string;
}

export type TomlDocument = Record<string, unknown>;

export function defaultConfigDocument(moniker: string): TomlDocument {
  return {
    moniker,
    rpc: {
      laddr: "tcp://127.0.0.1:26657",
      cors_allowed_origins: ["*"],
      max_body_bytes: 1_000_000,
      max_open_connections: 900,
      timeout_broadcast_tx_commit: "10s",
    },
    p2p: { laddr: "tcp://0.0.0.0:26656", persistent_peers: "" },
    consensus: { timeout_commit: "1s" },
    mempool: { size: 5000, max_tx_bytes: 1_048_576, max_txs_bytes: 67_108_864, verify_workers: 1 },
    app: { minimum_gas_prices: "0.025usensor" },
    store: { pruning: "default", pruning_keep_recent: 0, pruning_interval: 0 },
    mqtt: {
      enabled: true,
      laddr: DEFAULT_MQTT_LADDR,
      tls_laddr: "",
      tls_cert_file: "",
      tls_key_file: "",
      ws_laddr: "",
      external_url: "",
      external_username: "",
      external_password: "",
      shared_group: "sensorchain",
      verify_workers: 2,
      retention_days: 30,
      commit_grace: "1h",
      operator_key_file: "",
    },
    log: { level: "info", format: "plain" },
  };
}

/** Returns a copy of the document with the flag overrides written into it. */
/** Tx signature verification threads by default: one libsecp256k1 thread verifies ~13,000/s (ten
 * times what the node's tx pipeline takes) and each thread costs ~27 MB of memory. */
export const DEFAULT_TX_VERIFY_WORKERS = 1;

export function applyOverrides(document: TomlDocument, overrides: ConfigOverrides): TomlDocument {
  const copy = structuredClone(document);
  const set = (section: string, key: string, value: string | undefined): void => {
    if (value === undefined) return;
    const existing = copy[section];
    const target = isTable(existing) ? existing : {};
    target[key] = value;
    copy[section] = target;
  };
  if (overrides.moniker !== undefined) copy["moniker"] = overrides.moniker;
  set("rpc", "laddr", overrides.rpcLaddr);
  set("p2p", "laddr", overrides.p2pLaddr);
  set("consensus", "timeout_commit", overrides.timeoutCommit);
  set("app", "minimum_gas_prices", overrides.minimumGasPrices);
  set("store", "pruning", overrides.pruning);
  set("log", "level", overrides.logLevel);
  set("log", "format", overrides.logFormat);
  set("mqtt", "laddr", overrides.mqttLaddr);
  return copy;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads one [section] table, refusing keys it does not know so that typos do not pass silently. */
function section(document: TomlDocument, name: string, known: readonly string[]): Record<string, unknown> {
  const value = document[name];
  if (value === undefined) return {};
  if (!isTable(value)) throw new ConfigError(name, "must be a [table]");
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(`${name}.${key}`, "unknown setting");
  }
  return value;
}

function readString(table: Record<string, unknown>, field: string, key: string, fallback: string): string {
  const value = table[key] ?? fallback;
  if (typeof value !== "string")
    throw new ConfigError(field, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function readInteger(
  table: Record<string, unknown>,
  field: string,
  key: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  let value = table[key] ?? fallback;
  if (typeof value === "bigint") value = Number(value);
  if (typeof value === "string" && /^[0-9]+$/.test(value)) value = Number(value);
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new ConfigError(field, `must be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < range.min || value > range.max) {
    throw new ConfigError(field, `must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

function readDurationMs(
  table: Record<string, unknown>,
  field: string,
  key: string,
  fallback: string,
): number {
  const text = readString(table, field, key, fallback);
  let ms: number;
  try {
    ms = parseDurationMs(text);
  } catch (error) {
    throw new ConfigError(field, (error as Error).message);
  }
  if (ms > MAX_TIMEOUT_MS) throw new ConfigError(field, `must be at most 24h, got ${text}`);
  return ms;
}

function readChoice<T extends string>(
  table: Record<string, unknown>,
  field: string,
  key: string,
  fallback: T,
  choices: readonly T[],
): T {
  const value = readString(table, field, key, fallback);
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${choices.join(", ")}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Parses "tcp://host:port" (CometBFT listen addresses); IPv6 hosts go in brackets. */
export function parseListenAddress(text: string, field: string): ListenAddress {
  const match = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(text);
  if (match === null) {
    throw new ConfigError(field, `must look like tcp://127.0.0.1:26657, got ${JSON.stringify(text)}`);
  }
  const port = Number(match[2]);
  if (port > 65_535) throw new ConfigError(field, `port ${port} is above 65535`);
  const host = match[1]!.startsWith("[") ? match[1]!.slice(1, -1) : match[1]!;
  return { text, host, port };
}

/** Checks a config.toml document (after overrides) and returns the typed configuration. */
export function parseConfigDocument(document: TomlDocument, paths: HomePaths): NodeConfig {
  const known = ["moniker", "rpc", "p2p", "consensus", "mempool", "app", "store", "mqtt", "log"];
  for (const key of Object.keys(document)) {
    if (!known.includes(key)) throw new ConfigError(key, "unknown setting");
  }
  const moniker = readString(document, "moniker", "moniker", "");
  if (moniker.trim() === "") throw new ConfigError("moniker", "must not be empty");
  if (moniker.length > MAX_MONIKER_LENGTH) {
    throw new ConfigError("moniker", `must be at most ${MAX_MONIKER_LENGTH} characters`);
  }

  const rpc = section(document, "rpc", [
    "laddr",
    "cors_allowed_origins",
    "max_body_bytes",
    "max_open_connections",
    "timeout_broadcast_tx_commit",
  ]);
  const cors = rpc["cors_allowed_origins"] ?? ["*"];
  if (!Array.isArray(cors) || !cors.every((origin) => typeof origin === "string")) {
    throw new ConfigError("rpc.cors_allowed_origins", 'must be a list of strings, e.g. ["*"]');
  }

  const p2p = section(document, "p2p", ["laddr", "persistent_peers", "validator_peers"]);
  const splitList = (text: string) =>
    text
      .split(",")
      .map((peer) => peer.trim())
      .filter((peer) => peer !== "");
  const persistentPeers = splitList(readString(p2p, "p2p.persistent_peers", "persistent_peers", ""));
  const validatorPeers = splitList(readString(p2p, "p2p.validator_peers", "validator_peers", ""));

  const consensus = section(document, "consensus", ["timeout_commit", "block_interval", "max_block_txs"]);
  const mempool = section(document, "mempool", ["size", "max_tx_bytes", "max_txs_bytes", "verify_workers"]);
  const app = section(document, "app", ["minimum_gas_prices"]);
  const minimumGasPrices = readString(app, "app.minimum_gas_prices", "minimum_gas_prices", "0.025usensor");
  try {
    parseDecCoins(minimumGasPrices, "app.minimum_gas_prices");
  } catch (error) {
    throw new ConfigError(
      "app.minimum_gas_prices",
      (error as Error).message.replace(/^app\.minimum_gas_prices: /, ""),
    );
  }

  const log = section(document, "log", ["level", "format"]);
  const mqtt = section(document, "mqtt", [
    "enabled",
    "laddr",
    "tls_laddr",
    "tls_cert_file",
    "tls_key_file",
    "ws_laddr",
    "external_url",
    "external_username",
    "external_password",
    "shared_group",
    "verify_workers",
    "retention_days",
    "commit_grace",
    "operator_key_file",
  ]);

  return {
    paths,
    moniker,
    rpc: {
      laddr: parseListenAddress(readString(rpc, "rpc.laddr", "laddr", "tcp://127.0.0.1:26657"), "rpc.laddr")
        .text,
      corsAllowedOrigins: cors as string[],
      maxBodyBytes: readInteger(rpc, "rpc.max_body_bytes", "max_body_bytes", 1_000_000, {
        min: 1,
        max: MAX_RPC_BODY_BYTES,
      }),
      maxOpenConnections: readInteger(rpc, "rpc.max_open_connections", "max_open_connections", 900, {
        min: 0,
        max: 1_000_000,
      }),
      timeoutBroadcastTxCommitMs: readDurationMs(
        rpc,
        "rpc.timeout_broadcast_tx_commit",
        "timeout_broadcast_tx_commit",
        "10s",
      ),
    },
    p2p: {
      laddr: parseListenAddress(readString(p2p, "p2p.laddr", "laddr", "tcp://0.0.0.0:26656"), "p2p.laddr")
        .text,
      persistentPeers,
      validatorPeers,
    },
    consensus: {
      timeoutCommitMs: readDurationMs(consensus, "consensus.timeout_commit", "timeout_commit", "1s"),
      blockIntervalMs: readDurationMs(consensus, "consensus.block_interval", "block_interval", "0s"),
      maxBlockTxs: readInteger(consensus, "consensus.max_block_txs", "max_block_txs", DEFAULT_MAX_BLOCK_TXS, {
        min: 1,
        max: 1_000_000,
      }),
    },
    mempool: {
      size: readInteger(mempool, "mempool.size", "size", 5000, { min: 1, max: MAX_MEMPOOL_SIZE }),
      maxTxBytes: readInteger(mempool, "mempool.max_tx_bytes", "max_tx_bytes", 1_048_576, {
        min: 1,
        max: MAX_MEMPOOL_TX_BYTES,
      }),
      maxTxsBytes: readInteger(mempool, "mempool.max_txs_bytes", "max_txs_bytes", 67_108_864, {
        min: 1,
        max: MAX_MEMPOOL_TXS_BYTES,
      }),
      // One libsecp256k1 thread verifies ~13,000 signatures/s, ten times the node's tx pipeline.
      verifyWorkers: readInteger(
        mempool,
        "mempool.verify_workers",
        "verify_workers",
        DEFAULT_TX_VERIFY_WORKERS,
        {
          min: 1,
          max: 64,
        },
      ),
    },
    app: { minimumGasPrices },
    store: parsePruning(section(document, "store", ["pruning", "pruning_keep_recent", "pruning_interval"])),
    mqtt: parseMqtt(mqtt),
    log: {
      level: readChoice(log, "log.level", "level", "info", LOG_LEVELS),
      format: readChoice(log, "log.format", "format", "plain", LOG_FORMATS),
    },
  };
}

function parseMqtt(mqtt: Record<string, unknown>): MqttConfig {
  const enabled = mqtt["enabled"] ?? true;
  if (typeof enabled !== "boolean") throw new ConfigError("mqtt.enabled", "must be true or false");
  const optionalLaddr = (key: string): string => {
    const text = readString(mqtt, `mqtt.${key}`, key, "");
    return text === "" ? "" : parseListenAddress(text, `mqtt.${key}`).text;
  };
  const tlsLaddr = optionalLaddr("tls_laddr");
  const tlsCertFile = readString(mqtt, "mqtt.tls_cert_file", "tls_cert_file", "");
  const tlsKeyFile = readString(mqtt, "mqtt.tls_key_file", "tls_key_file", "");
  if (tlsLaddr !== "" && (tlsCertFile === "" || tlsKeyFile === ""))
    throw new ConfigError("mqtt.tls_laddr", "needs mqtt.tls_cert_file and mqtt.tls_key_file");
  const externalUrl = readString(mqtt, "mqtt.external_url", "external_url", "");
  if (externalUrl !== "" && !/^(mqtt|mqtts|ws|wss):\/\/[^\s]+$/.test(externalUrl))
    throw new ConfigError(
      "mqtt.external_url",
      `must look like mqtt://127.0.0.1:1883, got ${JSON.stringify(externalUrl)}`,
    );
  const sharedGroup = readString(mqtt, "mqtt.shared_group", "shared_group", "sensorchain");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(sharedGroup))
    throw new ConfigError("mqtt.shared_group", "must be 1-64 letters, digits, _ or -");
  const commitGraceMs = readDurationMs(mqtt, "mqtt.commit_grace", "commit_grace", "1h");
  return {
    enabled,
    laddr: parseListenAddress(readString(mqtt, "mqtt.laddr", "laddr", DEFAULT_MQTT_LADDR), "mqtt.laddr").text,
    tlsLaddr,
    tlsCertFile,
    tlsKeyFile,
    wsLaddr: optionalLaddr("ws_laddr"),
    externalUrl,
    externalUsername: readString(mqtt, "mqtt.external_username", "external_username", ""),
    externalPassword: readString(mqtt, "mqtt.external_password", "external_password", ""),
    sharedGroup,
    verifyWorkers: readInteger(mqtt, "mqtt.verify_workers", "verify_workers", 2, { min: 0, max: 64 }),
    retentionDays: readInteger(mqtt, "mqtt.retention_days", "retention_days", 30, { min: 1, max: 36_500 }),
    commitGraceMs,
    operatorKeyFile: readString(mqtt, "mqtt.operator_key_file", "operator_key_file", ""),
  };
}

function parsePruning(store: Record<string, unknown>): NodeConfig["store"] {
  const pruning = readChoice(store, "store.pruning", "pruning", "default", PRUNING_STRATEGIES);
  if (pruning !== "custom") return { pruningStrategy: pruning, pruning: { ...PRUNING_PRESETS[pruning] } };
  const keepRecent = readInteger(store, "store.pruning_keep_recent", "pruning_keep_recent", 0, {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
  });
  const interval = readInteger(store, "store.pruning_interval", "pruning_interval", 0, {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
  });
  if (keepRecent < MIN_PRUNING_KEEP_RECENT) {
    throw new ConfigError(
      "store.pruning_keep_recent",
      `must be at least ${MIN_PRUNING_KEEP_RECENT} with pruning = "custom"`,
    );
  }
  if (interval < MIN_PRUNING_INTERVAL) {
    throw new ConfigError(
      "store.pruning_interval",
      `must be at least ${MIN_PRUNING_INTERVAL} with pruning = "custom"`,
    );
  }
  return { pruningStrategy: pruning, pruning: { keepRecent, interval } };
}
