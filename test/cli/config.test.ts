// config.toml: defaults, flag overrides, and one clear error per bad field.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  ConfigError,
  loadConfig,
  parseDurationMs,
  resolveHome,
  writeDefaultConfig,
} from "../../chain/config.ts";

async function home(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-config-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("defaults match CometBFT / Cosmos SDK names and values, and read back from the written file", async (t) => {
  const dir = await home(t);
  const written = writeDefaultConfig(dir, { moniker: "node0" });
  const config = loadConfig(dir);
  t.deepEqual(config, written);
  t.is(config.moniker, "node0");
  t.is(config.rpc.laddr, "tcp://127.0.0.1:26657");
  t.deepEqual(config.rpc.corsAllowedOrigins, ["*"]);
  t.is(config.rpc.maxBodyBytes, 1_000_000);
  t.is(config.rpc.maxOpenConnections, 900);
  t.is(config.rpc.timeoutBroadcastTxCommitMs, 10_000);
  t.is(config.p2p.laddr, "tcp://0.0.0.0:26656");
  t.deepEqual(config.p2p.persistentPeers, []);
  t.is(config.consensus.timeoutCommitMs, 1000);
  t.is(config.consensus.blockIntervalMs, 0, "heights are not paced unless block_interval is set");
  t.deepEqual(config.mempool, {
    size: 5000,
    maxTxBytes: 1_048_576,
    maxTxsBytes: 67_108_864,
    verifyWorkers: 1,
  });
  t.is(config.app.minimumGasPrices, "0.025usensor");
  t.deepEqual(config.store, { pruningStrategy: "default", pruning: { keepRecent: 362_880, interval: 10 } });
  t.deepEqual(config.log, { level: "info", format: "plain" });
  t.is(config.paths.dbPath, join(dir, "data", "chain.db"));
  const text = await readFile(join(dir, "config", "config.toml"), "utf8");
  t.regex(text, /\[consensus\]\n# [^\n]+\ntimeout_commit = "1s"/);
});

test("flag overrides win over the file", async (t) => {
  const dir = await home(t);
  writeDefaultConfig(dir, { moniker: "node0" });
  const config = loadConfig(dir, {
    moniker: "other",
    rpcLaddr: "tcp://0.0.0.0:1234",
    p2pLaddr: "tcp://[::1]:4321",
    timeoutCommit: "500ms",
    minimumGasPrices: "",
    pruning: "nothing",
    logLevel: "debug",
    logFormat: "json",
  });
  t.is(config.moniker, "other");
  t.is(config.rpc.laddr, "tcp://0.0.0.0:1234");
  t.is(config.p2p.laddr, "tcp://[::1]:4321");
  t.is(config.consensus.timeoutCommitMs, 500);
  t.is(config.app.minimumGasPrices, "");
  t.deepEqual(config.store.pruning, { keepRecent: 0, interval: 0 });
  t.deepEqual(config.log, { level: "debug", format: "json" });
  t.deepEqual(loadConfig(dir, { pruning: "everything" }).store.pruning, { keepRecent: 2, interval: 10 });
});

const BAD_VALUES: [string, string, RegExp][] = [
  ["rpc.laddr", "--rpc.laddr http://x", /config rpc\.laddr: must look like tcp:\/\//],
  ["p2p.laddr", "port 99999", /config p2p\.laddr: port 99999/],
  ["consensus.timeout_commit", "fast", /config consensus\.timeout_commit: invalid duration/],
  ["app.minimum_gas_prices", "cheap", /config app\.minimum_gas_prices: invalid decimal coin/],
  [
    "store.pruning",
    "sometimes",
    /config store\.pruning: must be one of default, nothing, everything, custom/,
  ],
  ["log.level", "loud", /config log\.level: must be one of/],
];

test("every bad override names its field", async (t) => {
  const dir = await home(t);
  writeDefaultConfig(dir, { moniker: "node0" });
  const attempts = {
    "rpc.laddr": { rpcLaddr: "http://127.0.0.1:26657" },
    "p2p.laddr": { p2pLaddr: "tcp://0.0.0.0:99999" },
    "consensus.timeout_commit": { timeoutCommit: "fast" },
    "app.minimum_gas_prices": { minimumGasPrices: "cheap" },
    "store.pruning": { pruning: "sometimes" },
    "log.level": { logLevel: "loud" },
  } as const;
  for (const [field, , message] of BAD_VALUES) {
    const error = t.throws(() => loadConfig(dir, attempts[field as keyof typeof attempts]), {
      instanceOf: ConfigError,
    });
    t.is(error?.field, field);
    t.regex(error!.message, message);
  }
});

test("bad file values, unknown settings and TOML syntax errors are reported with their field", async (t) => {
  const dir = await home(t);
  writeDefaultConfig(dir, { moniker: "node0" });
  const file = join(dir, "config", "config.toml");
  const original = await readFile(file, "utf8");
  const cases: [string, string][] = [
    [original.replace("size = 5000", "size = -1"), "mempool.size"],
    [original.replace("size = 5000", 'size = "big"'), "mempool.size"],
    [
      original.replace("max_body_bytes = 1000000", "max_body_bytes = 1000000\nmax_body_byte = 1"),
      "rpc.max_body_byte",
    ],
    [original.replace('pruning = "default"', 'pruning = "custom"'), "store.pruning_keep_recent"],
    [
      original
        .replace('pruning = "default"', 'pruning = "custom"')
        .replace("pruning_keep_recent = 0", "pruning_keep_recent = 100"),
      "store.pruning_interval",
    ],
    [original.replace('moniker = "node0"', 'moniker = ""'), "moniker"],
    [
      original.replace('cors_allowed_origins = [ "*" ]', 'cors_allowed_origins = "*"'),
      "rpc.cors_allowed_origins",
    ],
    [`${original}\n[nonsense]\nx = 1\n`, "nonsense"],
    [
      original.replace('timeout_commit = "1s"', 'timeout_commit = "1s"\nblock_interval = "soon"'),
      "consensus.block_interval",
    ],
    [original.replace('format = "plain"', "format = plain"), file],
  ];
  for (const [text, field] of cases) {
    await writeFile(file, text);
    const error = t.throws(() => loadConfig(dir), { instanceOf: ConfigError });
    t.is(error?.field, field, text.slice(0, 0) + field);
  }
  await writeFile(
    file,
    original
      .replace('pruning = "default"', 'pruning = "custom"')
      .replace("pruning_keep_recent = 0", "pruning_keep_recent = 100")
      .replace("pruning_interval = 0", "pruning_interval = 10"),
  );
  t.deepEqual(loadConfig(dir).store, {
    pruningStrategy: "custom",
    pruning: { keepRecent: 100, interval: 10 },
  });
});

test("a missing config says to run init; an existing one is not overwritten by accident", async (t) => {
  const dir = await home(t);
  t.throws(() => loadConfig(dir), { message: /run `sensorchain init/ });
  writeDefaultConfig(dir, { moniker: "node0" });
  t.throws(() => writeDefaultConfig(dir, { moniker: "node1" }), { message: /already exists/ });
  t.is(loadConfig(dir).moniker, "node0");
});

test("Go durations", (t) => {
  t.is(parseDurationMs("1s"), 1000);
  t.is(parseDurationMs("500ms"), 500);
  t.is(parseDurationMs("1m30s"), 90_000);
  t.is(parseDurationMs("1.5s"), 1500);
  t.is(parseDurationMs("0"), 0);
  for (const bad of ["", "1", "-1s", "1 s", "1sec", "100us"]) t.throws(() => parseDurationMs(bad));
});

test("home: --home beats $SENSORCHAIN_HOME beats ~/.sensorchain", (t) => {
  t.is(resolveHome("/x/flag", { SENSORCHAIN_HOME: "/x/env" }), "/x/flag");
  t.is(resolveHome(undefined, { SENSORCHAIN_HOME: "/x/env" }), "/x/env");
  t.true(resolveHome(undefined, {}).endsWith("/.sensorchain"));
  t.true(resolveHome(undefined, { SENSORCHAIN_HOME: "" }).endsWith("/.sensorchain"));
});

test("consensus.block_interval is read as a duration (paced heights)", async (t) => {
  const dir = await home(t);
  writeDefaultConfig(dir, { moniker: "node0" });
  const file = join(dir, "config", "config.toml");
  const original = await readFile(file, "utf8");
  await writeFile(
    file,
    original.replace('timeout_commit = "1s"', 'timeout_commit = "200ms"\nblock_interval = "1s"'),
  );
  t.like(loadConfig(dir).consensus, { timeoutCommitMs: 200, blockIntervalMs: 1000 });
});
