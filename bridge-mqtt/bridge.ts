// The MQTT bridge of one node (README.md): broker, device registry, pipeline and reading store,
// started and stopped together. The node passes its LevelDB and app.query; a test or a stand-alone
// bridge may pass its own LevelDB and a node's abci_query instead.
import type { AddressInfo } from "node:net";
import type { Logger } from "../chain/node.ts";
import type { Database } from "../chain/store/db.ts";
import { startBroker } from "./broker.ts";
import { type BridgeCounters, newCounters } from "./errors.ts";
import { ReadingPipeline } from "./pipeline.ts";
import { ReadingStore } from "./reading-store.ts";
import { DeviceRegistry, type QueryFunction } from "./registry.ts";

export interface BridgeOptions {
  db: Database;
  query: QueryFunction;
  chainId: string;
  /** Where the broker listens; port 0 lets the OS choose. */
  listen: { host: string; port: number };
  logger: Logger;
  /** Wall clock, Unix ms (login freshness and reading skew); Date.now unless a test injects one. */
  now?: () => number;
}

export interface RunningBridge {
  /** The broker's address, e.g. "mqtt://127.0.0.1:1883". */
  url: string;
  port: number;
  counters: BridgeCounters;
  store: ReadingStore;
  registry: DeviceRegistry;
  stop(): Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const now = options.now ?? Date.now;
  const counters = newCounters();
  const registry = new DeviceRegistry({ query: options.query, now });
  const store = new ReadingStore(options.db);
  const pipeline = new ReadingPipeline({ registry, store, now });
  const broker = await startBroker(
    { chainId: options.chainId, registry, pipeline, counters, logger: options.logger, now },
    options.listen,
  );
  const { port } = broker.server.address() as AddressInfo;
  const host = options.listen.host.includes(":") ? `[${options.listen.host}]` : options.listen.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    counters,
    store,
    registry,
    stop() {
      stopping ??= (async () => {
        // Readings already admitted reach disk (and their PUBACKs go out) before clients are cut.
        await store.close();
        await broker.close();
      })();
      return stopping;
    },
  };
}
