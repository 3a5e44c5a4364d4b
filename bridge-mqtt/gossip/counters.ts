// What replication did (README.md, Gossip and repair). Plain numbers, incremented on hot paths;
// Prometheus reads them at scrape time.
import { BATCH_REJECTIONS, type BatchRejection, READING_DROPS, type ReadingDrop } from "./errors.ts";

export interface ReplicationCounters {
  /** Batches this node signed and published, and the readings in them. */
  batchesPublished: number;
  readingsGossiped: number;
  /** Gossiped batches accepted, rejected by reason, and ignored (inbound queue full, own batch). */
  batchesAccepted: number;
  batchesRejected: Record<BatchRejection, number>;
  batchesIgnored: number;
  /** Batches ignored for their created_ms: older than MAX_BATCH_AGE_MS or ahead of this clock. */
  batchesStale: number;
  /** Readings received in accepted batches; those not processed because the queue was full. */
  readingsReceived: number;
  inboundDropped: number;
  /** Gossiped readings stored (new here) and already stored (dedup); replicated readings (gossip or
   * repair) dropped by reason. Repair's additions are counted in repairReadingsAdded. */
  readingsStored: number;
  readingsAlreadyStored: number;
  readingsDropped: Record<ReadingDrop, number>;
  /** Readings kept for one retry (device unknown here yet, registry or verifier unavailable). */
  readingsDeferred: number;
  /** The last accepted batch's age when it was received, ms (the author's clock to ours). */
  lastBatchLagMs: number;
  /** Repair: requests served and refused (not a validator, bad request), days repaired, readings
   * added by repair, peers that failed to answer. */
  repairRequestsServed: number;
  repairRequestsRefused: number;
  repairsRun: number;
  repairReadingsAdded: number;
  repairPeerFailures: number;
}

export function newReplicationCounters(): ReplicationCounters {
  const zeros = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  return {
    batchesPublished: 0,
    readingsGossiped: 0,
    batchesAccepted: 0,
    batchesRejected: zeros(BATCH_REJECTIONS),
    batchesIgnored: 0,
    batchesStale: 0,
    readingsReceived: 0,
    inboundDropped: 0,
    readingsStored: 0,
    readingsAlreadyStored: 0,
    readingsDropped: zeros(READING_DROPS),
    readingsDeferred: 0,
    lastBatchLagMs: 0,
    repairRequestsServed: 0,
    repairRequestsRefused: 0,
    repairsRun: 0,
    repairReadingsAdded: 0,
    repairPeerFailures: 0,
  };
}
