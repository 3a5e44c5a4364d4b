// Paid commands end to end (bridge-mqtt/README.md, Commands; IoT-Light): a real node process, the
// escrow opened through cosmjs with the project's registry, a real mqtt.js device subscribed to its
// commands topic. The device gets "on" with the paid window, the retained "on" after reconnecting,
// "off" when the window ends (and no retained message after it); a restarted node sends a running
// window again from its LevelDB schedule; a fresh bridge with no events learns it from the
// ActiveCommands query.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { createRegistry } from "../../client/index.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  faucetWallet,
  type NodeProcess,
  rpc,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { type Actuator, connectActuator, payCommand, registerSharedDevice } from "./command-helpers.ts";
import { ed25519Key } from "./device-keys.ts";

const ACTUATOR = "D035_0301";
const key = ed25519Key();
const silent = { info() {}, warn() {}, error() {} };

let home: TestHome;
let node: NodeProcess | undefined;
const actuators: Actuator[] = [];

test.after.always(async () => {
  for (const { client } of actuators) await client.endAsync(true).catch(() => {});
  await node?.stop();
  await home?.remove();
});

async function actuator(url: string): Promise<Actuator> {
  const connected = await connectActuator(url, ACTUATOR, key);
  actuators.push(connected);
  return connected;
}

async function wallet() {
  const w = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const [account] = await w.getAccounts();
  return { wallet: w, address: account!.address };
}

test.serial(
  "a paid command: on (retained) for the paid window, off after it; kept across a restart; learned from ActiveCommands",
  async (t) => {
    t.timeout(150_000);
    home = await createTestHome();
    node = await startNodeProcess(home.home);
    const options = {
      registry: createRegistry(),
      gasPrice: GasPrice.fromString(`0.025${DENOM}`),
      broadcastPollIntervalMs: 200,
    };
    const { wallet: faucet, address: owner } = await faucetWallet();
    const consumer = await wallet();
    const ownerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, faucet, options);
    t.teardown(() => ownerClient.disconnect());
    await registerSharedDevice(ownerClient, owner, ACTUATOR, key, [consumer.address]);
    let consumerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, consumer.wallet, options);
    const pay = (payload: string, durationSeconds: bigint) =>
      payCommand(consumerClient, node!.rpcUrl, consumer.address, ACTUATOR, payload, durationSeconds);

    // Paid for 6 s: the subscribed device gets "on" with the window, then a reconnect gets it retained.
    let device = await actuator(node.mqttUrl);
    const first = await pay("light:on", 6n);
    const on = await device.next();
    t.like(on, { escrow_id: first, state: "on", payload: Buffer.from("light:on").toString("base64") });
    t.is(on.until_ms! - on.from_ms!, 6_000);
    await device.client.endAsync();
    device = await actuator(node.mqttUrl);
    t.like(await device.next(), { escrow_id: first, state: "on", retained: true, until_ms: on.until_ms });
    t.like(await device.next(), { escrow_id: first, state: "off", until_ms: on.until_ms });

    // After "off" no retained message is left: a new subscriber's first message is the next window.
    await device.client.endAsync();
    device = await actuator(node.mqttUrl);
    const second = await pay("light:dim", 25n);
    const secondOn = await device.next();
    t.like(secondOn, { escrow_id: second, state: "on", retained: false });
    await device.client.endAsync();

    // A bridge with an empty LevelDB and no chain events learns the running window from the chain.
    const dbDir = await mkdtemp(join(tmpdir(), "sensorchain-commands-"));
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dbDir, "chain.db"), DB_OPTIONS);
    await db.open();
    const fresh = await startBridge({
      db,
      chainId: CHAIN_ID,
      listen: { host: "127.0.0.1", port: 0 },
      logger: silent,
      chain: { submitTx: () => Promise.reject(new Error("not here")), subscribe: () => () => {} },
      query: async (path, data) => {
        const response = await rpc(node!.rpcUrl, "abci_query", {
          path,
          data: Buffer.from(data).toString("hex"),
        });
        const result = response.result.response;
        return { code: Number(result.code ?? 0), value: Buffer.from(result.value ?? "", "base64") };
      },
    });
    try {
      const elsewhere = await actuator(fresh.url);
      t.like(await elsewhere.next(), {
        escrow_id: second,
        state: "on",
        retained: true,
        until_ms: secondOn.until_ms,
      });
      await elsewhere.client.endAsync();
      t.deepEqual(
        fresh.commands?.active.map((c) => String(c.escrowId)),
        [second],
      );
    } finally {
      await fresh.stop();
      await db.close();
      await rm(dbDir, { recursive: true, force: true });
    }

    // The node restarts: its schedule comes back from LevelDB, "on" is retained again, "off" when due.
    consumerClient.disconnect();
    t.is(await node.stop(), 0);
    node = await startNodeProcess(home.home);
    consumerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, consumer.wallet, options);
    t.teardown(() => consumerClient.disconnect());
    device = await actuator(node.mqttUrl);
    t.like(await device.next(), {
      escrow_id: second,
      state: "on",
      retained: true,
      until_ms: secondOn.until_ms,
    });
    t.like(await device.next(), { escrow_id: second, state: "off", until_ms: secondOn.until_ms });
  },
);
