// A stand-alone bridge in external broker mode in its own process, so that a test can kill -9 it.
// Environment: BRIDGE_DIR (its LevelDB and home: the same dir gives the same client id),
// BROKER_URL, BROKER_USER, BROKER_PASSWORD, SHARED_GROUP, RPC_URL (a node's abci_query: the
// registry), CHAIN_ID, and HOLD_DEVICE: registry lookups of that device never answer, so a
// reading of it stays received and unacknowledged until the process dies. Stdout, one JSON object
// a line: {"ready":clientId}, {"holding":deviceId}, {"stored":[[deviceId, sequence], ...]},
// {"stopped":stats}. SIGTERM stops it gracefully.
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import { DEVICE_QUERY_PATH } from "../../bridge-mqtt/registry.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb } from "../../modules/device/codec.ts";
import { externalConfig } from "./mosquitto.ts";
import { abciQuery } from "./node-process.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const dir = env("BRIDGE_DIR");
const hold = process.env["HOLD_DEVICE"] ?? "";
const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
await db.open();
const bridge = await startBridge({
  db,
  home: dir,
  chainId: env("CHAIN_ID"),
  listen: { host: "127.0.0.1", port: 0 },
  config: externalConfig({
    url: env("BROKER_URL"),
    username: env("BROKER_USER"),
    password: env("BROKER_PASSWORD"),
    sharedGroup: env("SHARED_GROUP"),
  }),
  logger: { info() {}, warn: (...args: unknown[]) => console.error(...args), error: console.error },
  query: async (path, data) => {
    if (path === DEVICE_QUERY_PATH && pb.QueryDeviceRequest.decode(data).deviceId === hold) {
      say({ holding: hold });
      return new Promise(() => {});
    }
    return abciQuery(env("RPC_URL"), path, data);
  },
});
bridge.store.onStored((stored) =>
  say({ stored: stored.map((reading) => [reading.reading.deviceId, reading.reading.sequence.toString()]) }),
);
await bridge.external!.ready();
say({ ready: bridge.external!.clientId });
process.once("SIGTERM", async () => {
  await bridge.stop();
  await db.close();
  say({ stopped: bridge.external!.stats });
  process.exit(0);
});
