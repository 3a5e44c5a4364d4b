// The device simulator (`npm run devices`, scripts/devices.ts) as a user runs it, against a real node
// process: it registers its devices with real txs, runs them as MQTT clients whose signed readings
// the node's bridge accepts (every one PUBACKed, none rejected; the node's /metrics agree), and a
// rerun with the same keys file registers nothing new. Bad arguments and a bad keys file are refused
// with a clear message before anything is sent.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { sampleValue, scrapeMetrics } from "../../scripts/bench/prometheus-text.ts";
import {
  createTestHome,
  FAUCET_MNEMONIC,
  NODE_BINARY,
  type NodeProcess,
  REPO_ROOT,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";

const run = promisify(execFile);
const SIMULATOR = join(REPO_ROOT, "scripts/devices.ts");

let home: TestHome;
let node: NodeProcess;
let dir: string;

test.before(async () => {
  home = await createTestHome();
  node = await startNodeProcess(home.home);
  dir = await mkdtemp(join(tmpdir(), "sensorchain-devices-"));
});

test.after.always(async () => {
  await node?.stop();
  await home?.remove();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function simulate(args: string[]) {
  return run(
    NODE_BINARY,
    [
      SIMULATOR,
      "--rpc",
      node.rpcUrl,
      "--mqtt",
      node.mqttUrl,
      "--mnemonic",
      FAUCET_MNEMONIC,
      "--json",
      ...args,
    ],
    { cwd: dir, timeout: 120_000 },
  );
}

interface Summary {
  registration: { registered: number; alreadyRegistered: number; txs: number };
  fleet: {
    connected: number;
    sent: number;
    acked: number;
    rejected: number;
    unacked: number;
    failed: number;
    connectFailures: Record<string, number>;
  };
}

test.serial(
  "registers its devices with real txs, runs them over MQTT, and reuses them on a rerun",
  async (t) => {
    t.timeout(180_000);
    const keys = join(dir, "fleet.json");
    const first = await simulate(["--count", "5", "--rate", "4", "--duration", "2s", "--keys", keys]);
    const summary = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as Summary;
    t.deepEqual(summary.registration, {
      ...summary.registration,
      registered: 5,
      alreadyRegistered: 0,
      txs: 1,
    });
    t.is(summary.fleet.connected, 5);
    t.deepEqual(summary.fleet.connectFailures, {});
    t.true(summary.fleet.sent > 0);
    t.is(summary.fleet.acked, summary.fleet.sent);
    t.is(summary.fleet.rejected, 0);
    t.is(summary.fleet.unacked + summary.fleet.failed, 0);
    t.regex(first.stderr, /second +connected +sent +acked/);
    // The keys file holds private keys: owner-only.
    t.is((await stat(keys)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(keys, "utf8")) as { devices: { id: string }[] };
    t.is(saved.devices.length, 5);

    const metrics = await scrapeMetrics(node.rpcUrl);
    t.is(sampleValue(metrics, "sensorchain_mqtt_readings_accepted_total"), summary.fleet.acked);
    t.is(sampleValue(metrics, "sensorchain_mqtt_connects_accepted_total"), 5);

    // Same keys, one more device: only that one is registered; the old ones send above their last
    // sequences (no replay rejections). Readings signed ahead (--presign) are accepted as well.
    const second = await simulate([
      "--count",
      "6",
      "--rate",
      "4",
      "--duration",
      "1s",
      "--keys",
      keys,
      "--presign",
    ]);
    const again = JSON.parse(second.stdout.trim().split("\n").at(-1)!) as Summary;
    t.is(again.registration.registered, 1);
    t.is(again.registration.alreadyRegistered, 5);
    t.is(again.fleet.connected, 6);
    t.is(again.fleet.rejected, 0);
    t.is(again.fleet.acked, again.fleet.sent);
  },
);

test.serial(
  "bad arguments and a bad keys file are refused before anything is sent; unregistered devices are refused",
  async (t) => {
    const refused = async (args: string[], pattern: RegExp) => {
      const error = (await t.throwsAsync(simulate(args))) as Error & { stderr: string; code: number };
      t.not(error.code, 0);
      t.regex(error.stderr, pattern);
    };
    await refused(["--count", "0", "--rate", "1"], /--count.*must be an integer from 1/);
    await refused(["--count", "2", "--rate", "-1"], /--rate.*must be a number above 0/);
    await refused(["--count", "2", "--rate", "1", "--sector", "d35"], /--sector.*4 characters/);
    await refused(["--count", "2", "--rate", "1", "--duration", "soon"], /not a duration/);
    const broken = join(dir, "broken.json");
    await writeFile(broken, JSON.stringify({ version: 1, devices: [{ id: "D035_0001", seed: "zz" }] }));
    await refused(["--count", "1", "--rate", "1", "--keys", broken], /devices\[0\]\.seed is not 32 bytes/);
    // --no-register skips the chain: against the bridge, unregistered devices are refused (CONNACK 5).
    const unregistered = await simulate([
      "--count",
      "2",
      "--rate",
      "1",
      "--duration",
      "1s",
      "--no-register",
      "--keys",
      join(dir, "other.json"),
    ]);
    const refusedFleet = (JSON.parse(unregistered.stdout.trim().split("\n").at(-1)!) as Summary).fleet;
    t.is(refusedFleet.connected, 0);
    t.deepEqual(refusedFleet.connectFailures, { "5": 2 });
    const metrics = await scrapeMetrics(node.rpcUrl);
    t.is(sampleValue(metrics, "sensorchain_mqtt_connects_accepted_total"), 11); // the first test's only
    t.is(sampleValue(metrics, "sensorchain_mqtt_connects_refused_total", { reason: "unknown_device" }), 2);
  },
);
