// Reading replication between validators (README.md, Gossip and repair), started by the bridge when
// the node has a network: the publisher gossips what this bridge's devices sent, the receiver stores
// what other validators gossip, the repair server and client fill gaps by device and day. Without a
// network (a solo chain) only the local views work and repairDay throws RepairFailed("no_network").
import type { Logger } from "../../chain/node.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import type { BridgeNetwork } from "../bridge.ts";
import { verifyDeviceSignature } from "../device-signature.ts";
import type { ReadingStore } from "../reading-store.ts";
import type { DeviceRegistry } from "../registry.ts";
import { NodeKeySigner } from "./batch-codec.ts";
import { newReplicationCounters, type ReplicationCounters } from "./counters.ts";
import { RepairFailed } from "./errors.ts";
import { ReadingPublisher } from "./publisher.ts";
import { type GossipLagObserver, ReadingReceiver } from "./receiver.ts";
import { RepairClient, serveRepair } from "./repair.ts";
import type { VerifyDeviceSignature } from "./replicated-reading.ts";

export interface ReplicationOptions {
  chainId: string;
  store: ReadingStore;
  registry: DeviceRegistry;
  network?: BridgeNetwork;
  logger: Logger;
  now: () => number;
  /** Device signature checks of replicated readings; verifyDeviceSignature unless a pool is given. */
  verify?: VerifyDeviceSignature;
  /** Where the gossip lag of stored batches is observed (the bridge's Prometheus metrics). */
  metrics?: GossipLagObserver;
}

export interface Replication {
  counters: ReplicationCounters;
  /** Fetches a device's UTC day from the validator peers and stores what is missing; resolves with
   * how many readings were added. Throws RepairFailed (no_network, no_peers, bad_request). */
  repairDay(deviceId: string, day: bigint, signal?: AbortSignal): Promise<number>;
  /** The canonical bytes of a device's UTC day in sequence order (the meter tree's leaf order). */
  dayReadings(deviceId: string, day: bigint): Promise<Uint8Array[]>;
  /** Publishes the readings waiting for their batch now (tests). */
  flush(): void;
  /** Stops receiving, closes the store (queued readings reach disk), gossips what it stored last. */
  stop(): Promise<void>;
}

export async function startReplication(options: ReplicationOptions): Promise<Replication> {
  const counters = newReplicationCounters();
  const { store, network } = options;
  const dayReadings = (deviceId: string, day: bigint) => store.dayReadings(deviceId, day);
  if (network === undefined)
    return {
      counters,
      dayReadings,
      repairDay: () => Promise.reject(new RepairFailed("no_network", "this node has no validator peers")),
      flush() {},
      stop: () => store.close(),
    };
  const { host } = network;
  const topics = chainTopics(options.chainId);
  const verify = options.verify ?? verifyDeviceSignature;
  const isValidatorPeer = (peerId: string) => network.isValidatorPeer(peerId);
  const signer = new NodeKeySigner(network.nodeKeySeed);
  const publisher = new ReadingPublisher({
    host,
    topic: topics.readings,
    chainId: options.chainId,
    signer,
    counters,
    now: options.now,
  });
  const unsubscribe = store.onStored((stored) => publisher.add(stored));
  const receiver = new ReadingReceiver({
    host,
    topic: topics.readings,
    chainId: options.chainId,
    ownPublicKey: signer.publicKey,
    isValidatorPeer,
    store,
    registry: options.registry,
    verify,
    counters,
    logger: options.logger,
    now: options.now,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  await serveRepair({ host, protocol: topics.readingsRepair, store, isValidatorPeer, counters });
  const repair = new RepairClient({
    host,
    protocol: topics.readingsRepair,
    store,
    registry: options.registry,
    verify,
    isValidatorPeer,
    counters,
    logger: options.logger,
    now: options.now,
  });
  return {
    counters,
    dayReadings,
    repairDay: (deviceId, day, signal) => repair.repairDay(deviceId, day, signal),
    flush: () => publisher.flush(),
    async stop() {
      await receiver.stop();
      await store.close();
      publisher.stop();
      unsubscribe();
    },
  };
}
