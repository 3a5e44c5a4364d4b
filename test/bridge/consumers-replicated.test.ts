// A consumer streams from any validator: two in-process bridges (A and B, validators to each other)
// with real P2PHosts on loopback and their own LevelDBs, reading the registry of a real node process.
// A device publishes to A; the device's owner, logged in to B, receives the reading on B's stream
// (readings replicated by gossip are streamed like local ones) and reads it from B's HTTP history.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { type RunningBridge, startBridge } from "../../bridge-mqtt/bridge.ts";
import { consumerHttpAuthorization } from "../../bridge-mqtt/consumers/login.ts";
import { readingsTopic, streamTopic } from "../../bridge-mqtt/topics.ts";
import { P2PHost, peerIdOfNodeKey } from "../../chain/p2p/host.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddress } from "../../chain/p2p/peers.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import {
  abciQuery,
  CHAIN_ID,
  createTestHome,
  DENOM,
  freePort,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { connectConsumer, newAccount, nextMessage, signingClient } from "./consumer-helpers.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const silent = { info() {}, warn() {}, error() {} };
const DEVICE = "D035_0201";
const key = ed25519Key();
const owner = newAccount();

interface Validator {
  host: P2PHost;
  bridge: RunningBridge;
  db: ClassicLevel<Uint8Array, Uint8Array>;
  dir: string;
}

let home: TestHome;
let node: NodeProcess;
const validators: Validator[] = [];
let http: Server | undefined;

const query = (path: string, data: Uint8Array) => abciQuery(node.rpcUrl, path, data);

async function startValidator(
  spec: { seed: Uint8Array; port: number },
  peer: { peerId: string; port: number },
  validatorIds: Set<string>,
): Promise<Validator> {
  const host = await P2PHost.create({
    nodeKeySeed: spec.seed,
    laddr: `tcp://127.0.0.1:${spec.port}`,
    persistentPeers: [parsePeerAddress(`${peer.peerId}@/ip4/127.0.0.1/tcp/${peer.port}`)],
    validatorPeerIds: validatorIds,
    metrics: createP2PMetrics(),
    logger: silent,
  });
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-consumers-replicated-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  const bridge = await startBridge({
    db,
    chainId: CHAIN_ID,
    listen: { host: "127.0.0.1", port: 0 },
    logger: silent,
    query,
    network: { host, nodeKeySeed: spec.seed, isValidatorPeer: (id) => host.isValidatorPeer(id) },
  });
  await host.start();
  const validator = { host, bridge, db, dir };
  validators.push(validator);
  return validator;
}

test.before(async () => {
  home = await createTestHome([{ address: owner.address, coins: `1000000000${DENOM}` }]);
  node = await startNodeProcess(home.home);
  const client = await signingClient(node.rpcUrl, owner.privateKey);
  await registerMeters(client, owner.address, [[DEVICE, key]]);
  client.disconnect();
});

test.after.always(async () => {
  http?.close();
  for (const validator of validators) {
    await validator.bridge.stop();
    await validator.host.stop();
    await validator.db.close();
    await rm(validator.dir, { recursive: true, force: true });
  }
  await node?.stop();
  await home?.remove();
});

test("the owner streams from B, and reads from B's history, a reading its device published to A", async (t) => {
  t.timeout(90_000);
  const specs = await Promise.all(
    [0, 1].map(async () => {
      const seed = randomBytes(32);
      return { seed, peerId: await peerIdOfNodeKey(seed), port: await freePort() };
    }),
  );
  const ids = new Set(specs.map((spec) => spec.peerId));
  const a = await startValidator(specs[0]!, specs[1]!, ids);
  const b = await startValidator(specs[1]!, specs[0]!, ids);
  const readingsTopicOfChain = chainTopics(CHAIN_ID).readings;
  while (!a.host.subscribers(readingsTopicOfChain).includes(specs[1]!.peerId))
    await new Promise((resolve) => setTimeout(resolve, 25));

  const viewer = await connectConsumer(b.bridge.url, owner);
  t.teardown(() => viewer.endAsync());
  await viewer.subscribeAsync(streamTopic(DEVICE), { qos: 0 });
  const device = await connectDevice(a.bridge.url, DEVICE, key);
  t.teardown(() => device.endAsync());
  const arrival = nextMessage(viewer, streamTopic(DEVICE));
  const { payload } = signedReading(key, { deviceId: DEVICE, sequence: 1n });
  await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  t.deepEqual(new Uint8Array(await arrival), new Uint8Array(payload), "B streams A's reading, same bytes");

  // B's history route (a node mounts it on its RPC port) serves the replicated reading too.
  http = createServer((request, response) => {
    b.bridge.consumers.route.handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => http!.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  const from = Date.now() - 600_000;
  const answer = await fetch(
    `http://127.0.0.1:${port}/bridge/v1/readings?device_id=${DEVICE}&from_ms=${from}&to_ms=${from + 1_200_000}`,
    { headers: { Authorization: consumerHttpAuthorization(CHAIN_ID, owner.privateKey, Date.now()) } },
  );
  t.is(answer.status, 200);
  const body = (await answer.json()) as { readings: { bytes: string }[] };
  t.deepEqual(
    body.readings.map((reading) => reading.bytes),
    [Buffer.from(payload).toString("base64")],
  );
});
