// External broker mode against a real mosquitto (Debian package; installed by the helper when
// missing) with the password file and ACL that bridge-mqtt/README.md documents, devices registered
// on a real node process, real mqtt.js devices. Two bridges on one broker split a device's readings
// through the shared subscription (each stored once, together all of them); a forged reading is
// answered on the device's errors topic through the broker; a bridge killed with kill -9 while a
// reading is received but not acknowledged gets it again from the broker after its restart.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import test, { type ExecutionContext } from "ava";
import { ClassicLevel } from "classic-level";
import mqtt, { type MqttClient } from "mqtt";
import { type RunningBridge, startBridge } from "../../bridge-mqtt/bridge.ts";
import { externalClientId, sharedReadingsSubscription } from "../../bridge-mqtt/external/consumer.ts";
import { ExternalBrokerError, parseBrokerUrl, RECEIVE_MAXIMUM } from "../../bridge-mqtt/external/session.ts";
import { readingKey } from "../../bridge-mqtt/reading-store.ts";
import type { QueryFunction } from "../../bridge-mqtt/registry.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb } from "../../modules/device/codec.ts";
import { BRIDGE_USER, externalConfig, type Mosquitto, startMosquitto } from "../helpers/mosquitto.ts";
import {
  abciQuery,
  CHAIN_ID,
  createTestHome,
  faucetWallet,
  NODE_BINARY,
  type NodeProcess,
  REPO_ROOT,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { signingClient } from "./consumer-helpers.ts";
import { registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const silent = process.env["BRIDGE_DEBUG"]
  ? { info: console.log, warn: console.log, error: console.log }
  : { info() {}, warn() {}, error() {} };
const BRIDGE_PASSWORD = "bridge-secret";
const SPLIT = "D035_0101";
const FORGED = "D035_0102";
const HELD = "D035_0103";
const NODE_DEVICE = "D035_0104";
const BURST = "D035_0105";
const FLAKY = "D035_0106";
const keys: Record<string, TestDeviceKey> = {
  [SPLIT]: ed25519Key(),
  [FORGED]: ed25519Key(),
  [HELD]: ed25519Key(),
  [NODE_DEVICE]: ed25519Key(),
  [BURST]: ed25519Key(),
  [FLAKY]: ed25519Key(),
};
const devicePassword = (deviceId: string) => `password-of-${deviceId}`;

let home: TestHome;
let node: NodeProcess;
let broker: Mosquitto;

test.before(async () => {
  broker = await startMosquitto({
    [BRIDGE_USER]: BRIDGE_PASSWORD,
    ...Object.fromEntries(Object.keys(keys).map((id) => [id, devicePassword(id)])),
  });
  home = await createTestHome();
  // The node's own bridge runs in external mode too (group "node"): the npm start wiring.
  const configFile = join(home.home, "config", "config.toml");
  const external = [
    `external_url = "${broker.url}"`,
    `external_username = "${BRIDGE_USER}"`,
    `external_password = "${BRIDGE_PASSWORD}"`,
    'shared_group = "node"',
  ];
  let config = await readFile(configFile, "utf8");
  for (const line of external) config = config.replace(new RegExp(`^${line.split(" ")[0]} = .*$`, "m"), line);
  if (!external.every((line) => config.includes(line)))
    throw new Error("config.toml has no [mqtt] external_* lines to set");
  await writeFile(configFile, config);
  node = await startNodeProcess(home.home);
  const { address } = await faucetWallet();
  const client = await signingClient(node.rpcUrl);
  await registerMeters(client, address, Object.entries(keys));
  client.disconnect();
});

test.after.always(async () => {
  await node?.stop();
  await home?.remove();
  await broker?.stop();
});

const query = (path: string, data: Uint8Array) => abciQuery(node.rpcUrl, path, data);

interface TestBridge {
  bridge: RunningBridge;
  db: ClassicLevel<Uint8Array, Uint8Array>;
}

/** An in-process bridge in external mode with its own LevelDB; its dir is its home (client id). */
async function externalBridge(
  t: ExecutionContext,
  sharedGroup: string,
  registryQuery: QueryFunction = query,
): Promise<TestBridge> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-external-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  const bridge = await startBridge({
    db,
    home: dir,
    chainId: CHAIN_ID,
    listen: { host: "127.0.0.1", port: 0 },
    logger: silent,
    query: registryQuery,
    config: externalConfig({
      url: broker.url,
      username: BRIDGE_USER,
      password: BRIDGE_PASSWORD,
      sharedGroup,
    }),
  });
  t.teardown(async () => {
    await bridge.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  await bridge.external!.ready();
  return { bridge, db };
}

/** A device logged in at mosquitto with its password (the broker's job in external mode). */
async function device(t: ExecutionContext, deviceId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, {
    clientId: deviceId,
    username: deviceId,
    password: devicePassword(deviceId),
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  t.teardown(() => client.endAsync());
  return client;
}

async function has(db: ClassicLevel<Uint8Array, Uint8Array>, deviceId: string, sequence: bigint) {
  return (await db.get(readingKey(deviceId, sequence))) !== undefined;
}

/** Polls until `condition` holds (the test's timeout bounds it). */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

test("two bridges on one mosquitto split a device's readings: each stored once, together all", async (t) => {
  t.timeout(60_000);
  const a = await externalBridge(t, "split");
  const b = await externalBridge(t, "split");
  t.not(a.bridge.external!.clientId, b.bridge.external!.clientId);
  t.is(a.bridge.external!.subscription, "$share/split/sensorchain/v1/devices/+/readings");
  t.is(a.bridge.port, 0, "no embedded broker");
  const sensor = await device(t, SPLIT);
  const count = 40;
  for (let sequence = 1n; sequence <= BigInt(count); sequence++)
    await sensor.publishAsync(
      readingsTopic(SPLIT),
      Buffer.from(signedReading(keys[SPLIT]!, { deviceId: SPLIT, sequence }).payload),
      { qos: 1 },
    );
  const where = async () => {
    const inA: bigint[] = [];
    const inB: bigint[] = [];
    for (let sequence = 1n; sequence <= BigInt(count); sequence++) {
      if (await has(a.db, SPLIT, sequence)) inA.push(sequence);
      if (await has(b.db, SPLIT, sequence)) inB.push(sequence);
    }
    return { inA, inB };
  };
  await until(async () => {
    const { inA, inB } = await where();
    return inA.length + inB.length >= count;
  });
  const { inA, inB } = await where();
  t.deepEqual(
    inA.filter((sequence) => inB.includes(sequence)),
    [],
    "no reading stored by both",
  );
  t.is(new Set([...inA, ...inB]).size, count, "every reading stored");
  t.true(inA.length > 0 && inB.length > 0, `both took a share: ${inA.length} + ${inB.length}`);
  // Other tests' devices publish to the same broker: every group gets a copy of theirs too.
  t.true(a.bridge.counters.accepted + b.bridge.counters.accepted >= count);
  t.true(a.bridge.external!.stats.acknowledged + b.bridge.external!.stats.acknowledged >= count);
});

test("a forged reading is refused and answered on the device's errors topic through the broker", async (t) => {
  t.timeout(60_000);
  const { bridge, db } = await externalBridge(t, "forged");
  const sensor = await device(t, FORGED);
  await sensor.subscribeAsync(errorsTopic(FORGED), { qos: 1 });
  const answer = new Promise<{ code: string; message: string }>((resolve) =>
    sensor.on("message", (topic, payload) => {
      if (topic === errorsTopic(FORGED)) resolve(JSON.parse(payload.toString()));
    }),
  );
  const wrongKey = ed25519Key();
  const forged = signedReading(wrongKey, { deviceId: FORGED, sequence: 1n });
  await sensor.publishAsync(readingsTopic(FORGED), Buffer.from(forged.payload), { qos: 1 });
  t.is((await answer).code, "bad_signature");
  // Every group gets its copy (the node's bridge answers too): wait for this bridge's verdict.
  await until(() => bridge.counters.rejected.bad_signature === 1);
  t.false(await has(db, FORGED, 1n), "not stored");
  // The broker's login and ACL (README.md) keep a device to its own topics: mosquitto refuses a
  // publish to another device's readings topic (PUBACK 0x87) and a wrong password (CONNACK 0x87).
  const refused = await t.throwsAsync(
    sensor.publishAsync(readingsTopic(SPLIT), Buffer.from(forged.payload), { qos: 1 }),
  );
  t.is((refused as Error & { code?: number }).code, 0x87);
  const impostor = await t.throwsAsync(
    mqtt.connectAsync(broker.url, {
      clientId: SPLIT,
      username: SPLIT,
      password: "not its password",
      protocolVersion: 5,
      reconnectPeriod: 0,
    }),
  );
  t.is((impostor as Error & { code?: number }).code, 0x87);
});

interface Child {
  process: ChildProcess;
  lines: AsyncIterator<string>;
}

function startChild(dir: string, holdDevice: string): Child {
  const child = spawn(NODE_BINARY, [join(REPO_ROOT, "test/helpers/external-bridge-child.ts")], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      BRIDGE_DIR: dir,
      BROKER_URL: broker.url,
      BROKER_USER: BRIDGE_USER,
      BROKER_PASSWORD: BRIDGE_PASSWORD,
      SHARED_GROUP: "crash",
      RPC_URL: node.rpcUrl,
      CHAIN_ID,
      HOLD_DEVICE: holdDevice,
    },
  });
  return { process: child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

/** The child's next stdout object that has `key`. */
async function next(child: Child, key: string): Promise<unknown> {
  for (;;) {
    const { value, done } = await child.lines.next();
    if (done) throw new Error(`bridge process ended before printing ${key}`);
    const line = JSON.parse(value) as Record<string, unknown>;
    if (key in line) return line[key];
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

test("kill -9 before the acknowledgement: the broker redelivers and the restarted bridge stores it", async (t) => {
  t.timeout(90_000);
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-external-crash-"));
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await Promise.all(children.map(exited));
    await rm(dir, { recursive: true, force: true });
  });
  const first = startChild(dir, HELD);
  children.push(first.process);
  const clientId = await next(first, "ready");
  const sensor = await device(t, HELD);
  const { payload } = signedReading(keys[HELD]!, { deviceId: HELD, sequence: 1n });
  await sensor.publishAsync(readingsTopic(HELD), Buffer.from(payload), { qos: 1 });
  t.is(await next(first, "holding"), HELD, "the bridge has the reading and has not acknowledged it");
  first.process.kill("SIGKILL");
  await exited(first.process);

  const second = startChild(dir, "");
  children.push(second.process);
  t.is(await next(second, "ready"), clientId, "same client id after the restart: same broker session");
  for (;;) {
    const stored = (await next(second, "stored")) as [string, string][];
    if (stored.some(([deviceId, sequence]) => deviceId === HELD && sequence === "1")) break;
  }
  second.process.kill("SIGTERM");
  const stats = (await next(second, "stopped")) as { redelivered: number; acknowledged: number };
  await exited(second.process);
  t.true(stats.redelivered >= 1, "the broker marked it as a redelivery (DUP)");
  t.true(stats.acknowledged >= 1);
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  t.true(await has(db, HELD, 1n), "stored durably");
  await db.close();
});

test("a node with [mqtt] external_url runs no aedes and stores what its bridge consumes from mosquitto", async (t) => {
  t.timeout(60_000);
  const port = Number(new URL(node.mqttUrl).port);
  const refused = await new Promise<string>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
  t.is(refused, "ECONNREFUSED", "nothing listens on the node's mqtt.laddr");
  const accepted = async () => {
    const text = await (await fetch(`${node.rpcUrl}/metrics`)).text();
    const match = /^sensorchain_mqtt_readings_accepted_total (\d+)/m.exec(text);
    return match === null ? 0 : Number(match[1]);
  };
  const before = await accepted();
  const sensor = await device(t, NODE_DEVICE);
  for (let sequence = 1n; sequence <= 3n; sequence++)
    await sensor.publishAsync(
      readingsTopic(NODE_DEVICE),
      Buffer.from(signedReading(keys[NODE_DEVICE]!, { deviceId: NODE_DEVICE, sequence }).payload),
      { qos: 1 },
    );
  await until(async () => (await accepted()) >= before + 3);
  t.true((await accepted()) >= before + 3);
  t.regex(node.output(), /mqtt bridge in external mode/);
});

test("a burst above Receive Maximum is taken with backpressure: bounded in flight, all stored", async (t) => {
  t.timeout(120_000);
  // Registry lookups wait until the whole burst is at the broker: deliveries pile up unacknowledged.
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const { bridge, db } = await externalBridge(t, "burst", async (path, data) => {
    await gate;
    return query(path, data);
  });
  const sensor = await device(t, BURST);
  const count = RECEIVE_MAXIMUM + 500;
  const sent: Promise<unknown>[] = [];
  for (let sequence = 1n; sequence <= BigInt(count); sequence++)
    sent.push(
      sensor.publishAsync(
        readingsTopic(BURST),
        Buffer.from(signedReading(keys[BURST]!, { deviceId: BURST, sequence }).payload),
        { qos: 1 },
      ),
    );
  await Promise.all(sent); // the broker has them all
  await until(() => bridge.external!.stats.delivered >= RECEIVE_MAXIMUM);
  open();
  await until(async () => has(db, BURST, BigInt(count)));
  for (let sequence = 1n; sequence <= BigInt(count); sequence++)
    t.true(await has(db, BURST, sequence), `#${sequence} stored`);
  const { maxPending } = bridge.external!.stats;
  t.true(maxPending >= RECEIVE_MAXIMUM, `the window filled (${maxPending})`);
  // Reading stops at Receive Maximum; at most the packets of chunks already read come on top.
  t.true(maxPending < count, `not the whole burst at once (${maxPending} of ${count})`);
});

test("broker URLs: mqtt:// and mqtts:// with default ports; anything else refused with a clear error", (t) => {
  t.deepEqual(parseBrokerUrl("mqtt://10.0.0.5"), { tls: false, host: "10.0.0.5", port: 1883 });
  t.deepEqual(parseBrokerUrl("mqtts://broker.example:9883"), {
    tls: true,
    host: "broker.example",
    port: 9883,
  });
  t.deepEqual(parseBrokerUrl("mqtt://[::1]:1884"), { tls: false, host: "::1", port: 1884 });
  const error = t.throws(() => parseBrokerUrl("ws://127.0.0.1:8083/mqtt"), {
    instanceOf: ExternalBrokerError,
  });
  t.is(error?.code, "refused");
  t.regex(error?.message ?? "", /mqtt:\/\/, mqtts:\/\//);
  t.is(sharedReadingsSubscription("g1"), "$share/g1/sensorchain/v1/devices/+/readings");
  const id = externalClientId("chain-1", "/home/a");
  t.is(id, externalClientId("chain-1", "/home/a"), "stable");
  t.not(id, externalClientId("chain-1", "/home/b"), "per node");
  t.not(id, externalClientId("chain-2", "/home/a"), "per chain");
  t.regex(id, /^sensorchain-bridge-[0-9a-f]{20}$/);
});

test("a transient failure is not acknowledged: the bridge reconnects and the broker delivers it again", async (t) => {
  t.timeout(60_000);
  let failures = 0;
  const { bridge, db } = await externalBridge(t, "flaky", async (path, data) => {
    if (failures === 0 && pb.QueryDeviceRequest.decode(data).deviceId === FLAKY) {
      failures++;
      return { code: 1, value: new Uint8Array() }; // the registry is unavailable once
    }
    return query(path, data);
  });
  const sensor = await device(t, FLAKY);
  const { payload } = signedReading(keys[FLAKY]!, { deviceId: FLAKY, sequence: 1n });
  await sensor.publishAsync(readingsTopic(FLAKY), Buffer.from(payload), { qos: 1 });
  await until(() => has(db, FLAKY, 1n));
  t.is(failures, 1);
  // Other tests' devices publish to the same broker (each group gets a copy), so counts are lower bounds.
  t.true(bridge.counters.unavailable >= 1, "counted as not acknowledged, not as a rejection");
  t.true(bridge.external!.stats.connects >= 2, "reconnected");
  t.true(bridge.external!.stats.redelivered >= 1, "delivered again with DUP");
});
