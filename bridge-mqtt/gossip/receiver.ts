// Receives reading batches from the gossip topic. The topic validator decides synchronously what
// spreads: a batch that is not a canonical, correctly signed batch of a current validator's node key
// is rejected (gossipsub penalises the peer that forwarded it); one that does not fit the bounded
// inbound queue is ignored (counted; repair fills the gap). Accepted batches are then checked reading
// by reading (checkReplicatedReading: a bad reading is dropped, the others stored), two batches at a
// time (MAX_CONCURRENT_INBOUND_BATCHES), and stored with ReadingStore.appendReplicated (dedup by
// device and sequence). A reading of a device this node does not know yet (its registration is in a
// block this node has not committed) or checked while the registry or verifier was unavailable is
// retried once, DEFERRED_RETRY_MS later.

import type { Logger } from "../../chain/node.ts";
import type { P2PHost, Verdict } from "../../chain/p2p/host.ts";
import { READING_MAX_FUTURE_MS } from "../pipeline.ts";
import type { ReadingStore, ReplicatedReading } from "../reading-store.ts";
import type { DeviceRegistry } from "../registry.ts";
import { batchPeerId, decodeReadingBatch, type ReadingBatch, verifyBatchSignature } from "./batch-codec.ts";
import type { ReplicationCounters } from "./counters.ts";
import { ReadingBatchRejected, type ReadingDrop, ReplicatedReadingDropped } from "./errors.ts";
import {
  DEFERRED_RETRY_MS,
  MAX_BATCH_AGE_MS,
  MAX_CONCURRENT_INBOUND_BATCHES,
  MAX_DEFERRED_READINGS,
  MAX_INBOUND_PENDING_READINGS,
} from "./limits.ts";
import { checkContext, checkReplicatedReading, type VerifyDeviceSignature } from "./replicated-reading.ts";

export interface GossipLagObserver {
  /** `createdMs`: when the author signed the batch; `storedMs`: this node's clock once stored. */
  observeGossipLag(createdMs: number, storedMs: number): void;
}

export interface ReadingReceiverOptions {
  host: Pick<P2PHost, "subscribe">;
  topic: string;
  chainId: string;
  /** This node's public node key: its own batches coming back are ignored. */
  ownPublicKey: Uint8Array;
  isValidatorPeer(peerId: string): boolean;
  store: ReadingStore;
  registry: DeviceRegistry;
  verify: VerifyDeviceSignature;
  counters: ReplicationCounters;
  logger: Logger;
  now: () => number;
  metrics?: GossipLagObserver;
}

/** Drops that a later check may pass: the registry catches up, the verifier drains. */
const DEFERRABLE = new Set<ReadingDrop>(["unknown_device", "registry_unavailable", "verifier_unavailable"]);

/** Readings to check and store: a gossiped batch, or deferred readings on their one retry. */
interface Inbound {
  readings: Uint8Array[];
  /** The batch's created_ms (gossip lag); undefined on a retry. */
  createdMs: bigint | undefined;
}

export class ReadingReceiver {
  readonly #o: ReadingReceiverOptions;
  readonly #queue: Inbound[] = [];
  /** Readings waiting for their retry (at most MAX_DEFERRED_READINGS). */
  #deferred: Uint8Array[] = [];
  #deferTimer: NodeJS.Timeout | undefined;
  /** Readings in #queue and in the batch being processed (bounded by MAX_INBOUND_PENDING_READINGS). */
  #pendingReadings = 0;
  /** Drain loops running (at most MAX_CONCURRENT_INBOUND_BATCHES): while one batch waits for its
   * fsync, the next one's signatures are checked. */
  readonly #draining = new Set<Promise<void>>();
  #stopped = false;

  constructor(options: ReadingReceiverOptions) {
    this.#o = options;
    options.host.subscribe(options.topic, (data) => this.receive(data));
  }

  /** The gossip validator: the verdict on one message (also callable directly by tests). */
  receive(data: Uint8Array): Verdict {
    const counters = this.#o.counters;
    let batch: ReadingBatch;
    try {
      batch = this.#check(data);
    } catch (error) {
      if (!(error instanceof ReadingBatchRejected)) throw error;
      counters.batchesRejected[error.code]++;
      // A full node's bridge gossips its devices' readings too: not spread, but no penalty for the
      // peer (gossipsub scores rejections). Everything else is junk or forgery.
      if (error.code === "not_validator") return "ignore";
      this.#o.logger.info({ reason: error.code, err: error.message }, "reading batch rejected");
      return "reject";
    }
    if (Buffer.from(batch.nodePublicKey).equals(this.#o.ownPublicKey)) {
      counters.batchesIgnored++;
      return "ignore";
    }
    // A validly signed batch carries no freshness of its own: anyone could publish an old one again
    // once gossipsub's seen-cache forgot it (and bring back readings retention pruned). Its author's
    // clock may differ from ours, so this is no proof of malice: ignored, not rejected.
    const ageMs = BigInt(this.#o.now()) - batch.createdMs;
    if (ageMs > MAX_BATCH_AGE_MS || -ageMs > READING_MAX_FUTURE_MS) {
      counters.batchesStale++;
      return "ignore";
    }
    if (this.#stopped || this.#pendingReadings + batch.readings.length > MAX_INBOUND_PENDING_READINGS) {
      counters.batchesIgnored++;
      counters.inboundDropped += batch.readings.length;
      return "ignore";
    }
    counters.batchesAccepted++;
    counters.readingsReceived += batch.readings.length;
    counters.lastBatchLagMs = Number(ageMs);
    this.#enqueue({ readings: batch.readings, createdMs: batch.createdMs });
    return "accept";
  }

  #enqueue(inbound: Inbound): void {
    this.#pendingReadings += inbound.readings.length;
    this.#queue.push(inbound);
    if (this.#draining.size >= MAX_CONCURRENT_INBOUND_BATCHES) return;
    const loop: Promise<void> = this.#drain().finally(() => this.#draining.delete(loop));
    this.#draining.add(loop);
  }

  #check(data: Uint8Array): ReadingBatch {
    const batch = decodeReadingBatch(data);
    if (batch.chainId !== this.#o.chainId)
      throw new ReadingBatchRejected("wrong_chain", `batch of chain ${JSON.stringify(batch.chainId)}`);
    const peerId = batchPeerId(batch);
    if (!this.#o.isValidatorPeer(peerId))
      throw new ReadingBatchRejected("not_validator", `node key of ${peerId} is no validator's`);
    if (!verifyBatchSignature(batch))
      throw new ReadingBatchRejected("bad_signature", "batch signature does not verify with its node key");
    return batch;
  }

  /** Processes queued batches, one at a time per loop, until the queue is empty. */
  async #drain(): Promise<void> {
    for (let batch = this.#queue.shift(); batch !== undefined; batch = this.#queue.shift()) {
      try {
        await this.#store(batch);
      } catch (error) {
        // Storage failed or the bridge is stopping: these readings stay missing until a repair.
        this.#o.counters.inboundDropped += batch.readings.length;
        this.#o.logger.warn({ err: error }, "replicated readings not stored");
      } finally {
        this.#pendingReadings -= batch.readings.length;
      }
    }
  }

  async #store(batch: Inbound): Promise<void> {
    const counters = this.#o.counters;
    const context = checkContext(this.#o.registry, this.#o.verify, this.#o.now());
    // All at once: the verifier batches concurrent checks into one message per worker.
    const results = await Promise.allSettled(
      batch.readings.map((bytes) => checkReplicatedReading(bytes, context)),
    );
    const checked: ReplicatedReading[] = [];
    for (const [i, result] of results.entries()) {
      if (result.status === "fulfilled") checked.push(result.value);
      else if (!(result.reason instanceof ReplicatedReadingDropped)) throw result.reason;
      else if (!this.#defer(batch, result.reason.code, batch.readings[i]!))
        counters.readingsDropped[result.reason.code]++;
    }
    if (checked.length === 0) return;
    const added = await this.#o.store.appendReplicated(checked);
    if (batch.createdMs !== undefined)
      this.#o.metrics?.observeGossipLag(Number(batch.createdMs), this.#o.now());
    counters.readingsStored += added;
    counters.readingsAlreadyStored += checked.length - added;
  }

  /** Keeps a reading for its one retry; false when it is dropped now (not deferrable, a retry
   * already, or no room). */
  #defer(batch: Inbound, code: ReadingDrop, bytes: Uint8Array): boolean {
    if (!DEFERRABLE.has(code) || batch.createdMs === undefined || this.#stopped) return false;
    if (this.#deferred.length >= MAX_DEFERRED_READINGS) return false;
    this.#deferred.push(bytes);
    this.#o.counters.readingsDeferred++;
    this.#deferTimer ??= setTimeout(() => this.#retryDeferred(), DEFERRED_RETRY_MS);
    return true;
  }

  #retryDeferred(): void {
    this.#deferTimer = undefined;
    const readings = this.#deferred;
    this.#deferred = [];
    if (this.#stopped || readings.length === 0) return;
    if (this.#pendingReadings + readings.length > MAX_INBOUND_PENDING_READINGS) {
      this.#o.counters.inboundDropped += readings.length;
      return;
    }
    this.#enqueue({ readings, createdMs: undefined });
  }

  /** Stops taking batches and waits for the ones being stored. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.length = 0;
    clearTimeout(this.#deferTimer);
    this.#deferred = [];
    await Promise.all(this.#draining);
  }
}
