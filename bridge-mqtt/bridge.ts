// The MQTT bridge of one node (README.md): broker, device registry, pipeline and reading store,
// started and stopped together. The node passes its LevelDB and app.query; a test or a stand-alone
// bridge may pass its own LevelDB and a node's abci_query instead.
import type { AddressInfo } from "node:net";
import { resolve as resolvePath } from "node:path";
import { Registry } from "prom-client";
import type { CheckTxResponse } from "../chain/app/abci.ts";
import type { MqttConfig } from "../chain/config/schema.ts";
import type { Logger } from "../chain/node.ts";
import type { P2PHost } from "../chain/p2p/host.ts";
import { chainTopics } from "../chain/p2p/topics.ts";
import type { NodeEvent } from "../chain/rpc/backend.ts";
import type { Database } from "../chain/store/db.ts";
import { extraListenersOf, startBroker } from "./broker.ts";
import { ConsumerCommands } from "./commands/consumer-commands.ts";
import { PaidCommands } from "./commands/paid-commands.ts";
import { aedesCommandPublisher } from "./commands/publisher.ts";
import { registerCommitmentMetrics } from "./commitments/metrics.ts";
import { loadOperatorKey } from "./commitments/operator-key.ts";
import { type DailyCommitments, startDailyCommitments } from "./commitments/start.ts";
import { type Consumers, createConsumers } from "./consumers/index.ts";
import { type BridgeCounters, newCounters } from "./errors.ts";
import { type ExternalBridge, externalClientId, startExternalBridge } from "./external/consumer.ts";
import { type Replication, startReplication } from "./gossip/replication.ts";
import { BridgeMetrics } from "./metrics.ts";
import { ReadingPipeline } from "./pipeline.ts";
import { ReadingStore } from "./reading-store.ts";
import { DeviceRegistry, type QueryFunction, REGISTRY_CACHE_TTL_WITH_EVENTS_MS } from "./registry.ts";
import { startRetention } from "./retention.ts";
import { type DeviceVerifier, startDeviceVerifier } from "./verify-pool.ts";

/** What a bridge inside a node gets from the chain side; a stand-alone bridge may have none. */
export interface BridgeChainAccess {
  /** Submits a signed tx through the node's ingress (checkTx, mempool, gossip): daily commitments. */
  submitTx(tx: Uint8Array): Promise<CheckTxResponse>;
  /** Committed blocks and txs, as RPC subscribers see them (registry cache, commands, entitlements). */
  subscribe(listener: (event: NodeEvent) => void): () => void;
  /** The node's app.minimum_gas_prices: the fee of commitment txs ("" or absent: none). */
  minimumGasPrices?: string;
}

/** The node's libp2p side, present when the chain has several validators (not in a solo chain). */
export interface BridgeNetwork {
  host: P2PHost;
  /** The 32-byte ed25519 seed of config/node_key.json: signs reading batches (its peer id is the
   * node id the poa module lists for this validator). */
  nodeKeySeed: Uint8Array;
  /** Whether a libp2p peer id belongs to a current validator (poa node ids, or p2p.validator_peers). */
  isValidatorPeer(peerId: string): boolean;
}

export interface BridgeOptions {
  db: Database;
  /** The [mqtt] config section; listeners and paths in it are resolved by the node. */
  config?: MqttConfig;
  /** The node's home (relative paths in config: TLS files, operator key). */
  home?: string;
  chain?: BridgeChainAccess;
  network?: BridgeNetwork;
  query: QueryFunction;
  chainId: string;
  /** Where the broker listens; port 0 lets the OS choose. */
  listen: { host: string; port: number };
  logger: Logger;
  /** Wall clock, Unix ms (login freshness and reading skew); Date.now unless a test injects one. */
  now?: () => number;
  /** The node's Prometheus registry (GET /metrics); a bridge without one gets a registry of its own. */
  metricsRegistry?: Registry;
}

export interface RunningBridge {
  /** The broker's address, e.g. "mqtt://127.0.0.1:1883" (in external mode: mqtt.external_url). */
  url: string;
  /** The embedded broker's TCP port (0 in external mode). */
  port: number;
  /** External broker mode (README.md): present when mqtt.external_url is set; then no aedes runs. */
  external: ExternalBridge | undefined;
  counters: BridgeCounters;
  /** Prometheus metrics (README.md, Metrics): counters mirrored at scrape time, histograms observed. */
  metrics: BridgeMetrics;
  store: ReadingStore;
  registry: DeviceRegistry;
  /** Device signature checks: mqtt.verify_workers threads (README.md, Verification workers). */
  verifier: DeviceVerifier;
  /** mqtts:// and ws://…/mqtt of the TLS and WebSocket listeners, when configured. */
  tlsUrl: string | undefined;
  wsUrl: string | undefined;
  /** Consumer logins, entitlements, streams and the HTTP history route (README.md, Consumers). */
  consumers: Consumers;
  /** Gossip and repair of readings between validators (gossip/replication.ts); without a network
   * only dayReadings works and repairDay throws RepairFailed("no_network"). */
  replication: Replication;
  /** Readings devices resent that were stored already (dedup across validators). */
  pipelineCounters: ReadingPipeline["counters"];
  /** Paid commands from escrow events (README.md, Commands); needs the chain's events. */
  commands: PaidCommands | undefined;
  /** Consumer commands to actuators (README.md, Commands): counters. */
  consumerCommands: ConsumerCommands;
  /** Daily commitments (README.md): present when the node has a chain and mqtt.operator_key_file. */
  commitments: DailyCommitments | undefined;
  stop(): Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const now = options.now ?? Date.now;
  const chain = options.chain;
  const counters = newCounters();
  // With the node's committed events, a changed device is dropped from the cache at once: the TTL
  // is only a backstop there (registry.ts).
  const registry = new DeviceRegistry({
    query: options.query,
    now,
    ...(chain === undefined ? {} : { ttlMs: REGISTRY_CACHE_TTL_WITH_EVENTS_MS }),
  });
  // Cached devices that a committed tx changed are dropped (retired, key rotated, transferred).
  const unsubscribeRegistry = chain?.subscribe((event) => {
    if (event.type === "Tx") registry.onEvents(event.result.events);
  });
  const store = new ReadingStore(options.db);
  // Read first: a missing, exposed or malformed key file stops the node with a clear error.
  const operatorKey =
    chain !== undefined && options.config !== undefined && options.config.operatorKeyFile !== ""
      ? loadOperatorKey(options.home ?? ".", options.config.operatorKeyFile)
      : undefined;
  // Without a config (tests, tools) signatures are verified on the main thread.
  // The pipeline's checks are timed into verify_seconds (README.md, Metrics).
  const verifier = startDeviceVerifier(options.config?.verifyWorkers ?? 0, {
    observe: (seconds) => metrics.observeVerify(seconds),
  });
  const metrics = new BridgeMetrics(options.metricsRegistry ?? new Registry(), {
    counters,
    pendingReadings: () => store.pending,
    verifyQueue: () => verifier.stats().queued,
  });
  const pipeline = new ReadingPipeline({ registry, store, now, verifier });
  // Consumer commands to actuators go through the consumers' publish hook (README.md, Commands).
  const consumerCommands = new ConsumerCommands({ now, logger: options.logger });
  const consumers = createConsumers({
    chainId: options.chainId,
    query: options.query,
    store,
    now,
    logger: options.logger,
    ...(chain === undefined ? {} : { subscribe: (listener) => chain.subscribe(listener) }),
    authorizePublish: consumerCommands.authorizePublish,
    authorizeSubscribe: consumerCommands.authorizeSubscribe,
  });
  // External mode: readings come from the operator's broker through a shared subscription and no
  // aedes runs (README.md, External broker mode).
  const externalUrl = options.config?.externalUrl ?? "";
  const external =
    externalUrl === ""
      ? undefined
      : startExternalBridge({
          url: externalUrl,
          username: options.config?.externalUsername ?? "",
          password: options.config?.externalPassword ?? "",
          sharedGroup: options.config?.sharedGroup ?? "sensorchain",
          clientId: externalClientId(
            options.chainId,
            options.network?.nodeKeySeed ?? resolvePath(options.home ?? "."),
          ),
          pipeline,
          counters,
          logger: options.logger,
        });
  const broker =
    external !== undefined
      ? undefined
      : await startBroker(
          {
            chainId: options.chainId,
            registry,
            pipeline,
            counters,
            logger: options.logger,
            now,
            consumers: consumers.access,
          },
          options.listen,
          await extraListenersOf(options.config, options.home ?? "."),
        );
  const commandPublisher =
    broker === undefined ? external!.commandPublisher : aedesCommandPublisher(broker.broker);
  if (broker !== undefined) {
    consumers.attach(broker.broker);
    consumerCommands.attach(
      consumers.entitlements,
      commandPublisher,
      options.network === undefined
        ? undefined
        : {
            network: options.network,
            chainId: options.chainId,
            topic: chainTopics(options.chainId).consumerCommands,
          },
    );
    metrics.countConnections(broker.broker);
  }
  // Paid command windows from committed escrow events, kept in LevelDB (README.md, Commands).
  const paidCommands =
    chain === undefined
      ? undefined
      : new PaidCommands({
          db: options.db,
          query: options.query,
          subscribe: (listener) => chain.subscribe(listener),
          publisher: commandPublisher,
          now,
          logger: options.logger,
        });
  await paidCommands?.start();
  const replication = await startReplication({
    chainId: options.chainId,
    store,
    registry,
    logger: options.logger,
    now,
    verify: (publicKey, message, signature) => verifier.verify(publicKey, message, signature),
    metrics,
    ...(options.network === undefined ? {} : { network: options.network }),
  });
  metrics.mirrorReplication(replication.counters);
  metrics.countDeviceDuplicates(() => pipeline.counters.duplicates);
  metrics.mirrorConsumers(consumers.access.counters, consumers.streamCounters);
  metrics.mirrorCommands(consumerCommands, paidCommands?.counters);
  // Daily commitments need the chain (txs, committed events) and an operator key; retention runs
  // in every node (README.md, Daily commitments and retention).
  const commitments =
    chain === undefined || operatorKey === undefined || options.config === undefined
      ? undefined
      : startDailyCommitments({
          db: options.db,
          store,
          query: options.query,
          chainId: options.chainId,
          key: operatorKey,
          graceMs: options.config.commitGraceMs,
          minimumGasPrices: chain.minimumGasPrices ?? "",
          submitTx: (tx) => chain.submitTx(tx),
          subscribe: (listener) => chain.subscribe(listener),
          now,
          logger: options.logger,
          repairDay: (deviceId, day) => replication.repairDay(deviceId, day),
        });
  if (commitments !== undefined) registerCommitmentMetrics(metrics.registry, commitments.scheduler.counters);
  const retention =
    options.config === undefined
      ? undefined
      : startRetention({
          db: options.db,
          query: options.query,
          now,
          retentionDays: options.config.retentionDays,
          logger: options.logger,
          readings: store,
        });
  const port = broker === undefined ? 0 : (broker.server.address() as AddressInfo).port;
  let stopping: Promise<void> | undefined;
  return {
    url: external?.url ?? broker!.url,
    port,
    external,
    counters,
    metrics,
    store,
    registry,
    verifier,
    tlsUrl: broker?.tlsUrl,
    wsUrl: broker?.wsUrl,
    consumers,
    commitments,
    commands: paidCommands,
    consumerCommands,
    replication,
    pipelineCounters: pipeline.counters,
    stop() {
      stopping ??= (async () => {
        unsubscribeRegistry?.();
        consumers.stop();
        consumerCommands.stop();
        await commitments?.stop();
        await retention?.stop();
        await paidCommands?.stop();
        // Readings already admitted reach disk (and their PUBACKs go out) before clients are cut.
        await replication.stop(); // closes the store after the last gossiped batches are in
        await broker?.close();
        await external?.close();
        await verifier.close();
      })();
      return stopping;
    },
  };
}
