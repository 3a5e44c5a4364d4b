// Prometheus metrics of one bridge (README.md, Metrics), in the node's own prom-client Registry (never
// the global one: several nodes in one process, as tests run them, would clash). The hot paths keep
// plain-number counters (errors.ts BridgeCounters); they are copied into the registry when it is
// scraped, so a reading costs no prom-client call. Durations are histograms observed where they
// happen (verify, gossip lag).
import type { Aedes, Client } from "aedes";
import { Gauge, Histogram, type Registry } from "prom-client";
import { scrapedCounter, scrapedCounterByLabel, scrapedGauge } from "../chain/node/metrics.ts";
import { DEVICE_ID_PATTERN } from "../modules/device/keys.ts";
import { AUTH_FAILURES, type BridgeCounters, REJECTION_CODES } from "./errors.ts";
import type { ReplicationCounters } from "./gossip/counters.ts";
import { BATCH_REJECTIONS, READING_DROPS } from "./gossip/errors.ts";

export const METRIC_PREFIX = "sensorchain_mqtt_";

/** Buckets of the signature verification time, seconds: one ed25519 verify is ~0.12 ms on a free
 * core; the upper buckets catch a verify queue that waits (worker pool busy: 0.4 s on average was
 * seen on the shared 2-core machine, docs/PERFORMANCE.md). */
export const VERIFY_SECONDS_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.25, 0.5, 1, 2.5,
];
/** Buckets of gossip lag (a batch's created_ms to its storage on a peer), seconds: batches are cut
 * every few ms; seconds mean a slow or partitioned peer. */
export const GOSSIP_LAG_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface BridgeMetricsSources {
  counters: BridgeCounters;
  /** Readings admitted and waiting for their group commit (ReadingStore.pending). */
  pendingReadings: () => number;
  /** Signatures waiting for a verifier (0 when verification runs inline). */
  verifyQueue?: () => number;
}

/** What other parts of the bridge observe into; a no-op-free handle kept by the running bridge. */
export class BridgeMetrics {
  readonly registry: Registry;
  readonly #verifySeconds: Histogram;
  readonly #gossipLagSeconds: Histogram;
  readonly #duplicates = { device: () => 0, gossip: () => 0 };
  readonly #connections = { device: 0, consumer: 0 };

  constructor(registry: Registry, sources: BridgeMetricsSources) {
    this.registry = registry;
    const { counters } = sources;
    const mirror = (name: string, help: string, value: () => number) =>
      scrapedCounter(registry, METRIC_PREFIX + name, help, value);
    mirror("readings_accepted_total", "Readings stored durably and acknowledged.", () => counters.accepted);
    scrapedCounterByLabel(
      registry,
      `${METRIC_PREFIX}readings_rejected_total`,
      "Readings refused for good (answered on the device's errors topic), by code.",
      "reason",
      REJECTION_CODES,
      (code) => counters.rejected[code],
    );
    mirror(
      "readings_unavailable_total",
      "Readings not acknowledged because storage failed, the queue was full or the bridge stopped (the device resends).",
      () => counters.unavailable,
    );
    mirror("connects_accepted_total", "MQTT logins accepted.", () => counters.connectsAccepted);
    scrapedCounterByLabel(
      registry,
      `${METRIC_PREFIX}connects_refused_total`,
      "MQTT logins refused, by reason.",
      "reason",
      AUTH_FAILURES,
      (reason) => counters.connectsRefused[reason],
    );
    mirror(
      "acl_denied_total",
      "Publishes and subscribes refused by the topic ACL.",
      () => counters.aclDenied,
    );
    const duplicates = this.#duplicates;
    scrapedCounterByLabel(
      registry,
      `${METRIC_PREFIX}readings_duplicate_total`,
      "Readings already stored (same device, sequence and bytes), not stored again: source device = a device resent it (e.g. after failing over), gossip = a peer's batch carried it.",
      "source",
      ["device", "gossip"] as const,
      (source) => duplicates[source](),
    );
    this.#verifySeconds = new Histogram({
      name: `${METRIC_PREFIX}verify_seconds`,
      help: "Time to verify one reading's device signature, queueing for a verifier included.",
      buckets: VERIFY_SECONDS_BUCKETS,
      registers: [registry],
    });
    this.#gossipLagSeconds = new Histogram({
      name: `${METRIC_PREFIX}gossip_lag_seconds`,
      help: "Time from a reading batch's creation on its validator to its storage on this peer.",
      buckets: GOSSIP_LAG_SECONDS_BUCKETS,
      registers: [registry],
    });
    scrapedGauge(
      registry,
      `${METRIC_PREFIX}pending_readings`,
      "Readings admitted and waiting for their group commit to disk.",
      sources.pendingReadings,
    );
    scrapedGauge(
      registry,
      `${METRIC_PREFIX}verify_queue`,
      "Signatures waiting for a verifier.",
      sources.verifyQueue ?? (() => 0),
    );
    const connections = this.#connections;
    new Gauge({
      name: `${METRIC_PREFIX}connections`,
      help: "Open MQTT connections by kind (device: the client id is a device id; consumer: any other).",
      labelNames: ["kind"],
      registers: [registry],
      collect() {
        this.labels("device").set(connections.device);
        this.labels("consumer").set(connections.consumer);
      },
    });
  }

  /** Counts `broker`'s client connections from now on (call before it accepts any). */
  countConnections(broker: Aedes): void {
    const kind = (client: Client) => (DEVICE_ID_PATTERN.test(client.id) ? "device" : "consumer");
    broker.on("client", (client: Client) => this.#connections[kind(client)]++);
    broker.on("clientDisconnect", (client: Client) => this.#connections[kind(client)]--);
  }

  /** `verify` timed into verify_seconds (waiting for a worker included), answers and errors unchanged. */
  timeVerify<A extends unknown[]>(
    verify: (...args: A) => Promise<boolean>,
  ): (...args: A) => Promise<boolean> {
    const histogram = this.#verifySeconds;
    return async (...args: A) => {
      const started = performance.now();
      try {
        return await verify(...args);
      } finally {
        histogram.observe((performance.now() - started) / 1000);
      }
    };
  }

  /** `createdMs`: the batch's creation time on its validator; `storedMs`: this node's clock. */
  observeGossipLag(createdMs: number, storedMs: number): void {
    this.#gossipLagSeconds.observe(Math.max(0, storedMs - createdMs) / 1000);
  }

  /** Where duplicates are counted: the pipeline (devices' resends). */
  countDeviceDuplicates(total: () => number): void {
    this.#duplicates.device = total;
  }

  /** Gossip and repair counters (gossip/counters.ts), mirrored at scrape time; gossip duplicates too. */
  mirrorReplication(counters: ReplicationCounters): void {
    this.#duplicates.gossip = () => counters.readingsAlreadyStored;
    const plain: [keyof ReplicationCounters, string, string][] = [
      [
        "batchesPublished",
        "gossip_batches_published_total",
        "Reading batches this node signed and published.",
      ],
      ["readingsGossiped", "gossip_readings_published_total", "Device readings published in batches."],
      ["batchesAccepted", "gossip_batches_accepted_total", "Peers' batches accepted."],
      [
        "batchesIgnored",
        "gossip_batches_ignored_total",
        "Peers' batches ignored (inbound queue full, own batch).",
      ],
      ["readingsReceived", "gossip_readings_received_total", "Readings received in accepted batches."],
      [
        "inboundDropped",
        "gossip_inbound_dropped_total",
        "Received readings not processed: the inbound queue was full.",
      ],
      [
        "readingsStored",
        "gossip_readings_stored_total",
        "Readings stored here because a peer's batch carried them.",
      ],
      ["repairRequestsServed", "repair_requests_served_total", "Repair requests answered."],
      [
        "repairRequestsRefused",
        "repair_requests_refused_total",
        "Repair requests refused (not a validator, bad request).",
      ],
      ["repairsRun", "repairs_run_total", "Days this node repaired from its peers."],
      ["repairReadingsAdded", "repair_readings_added_total", "Readings added by repair."],
      ["repairPeerFailures", "repair_peer_failures_total", "Peers that failed to answer a repair request."],
    ];
    for (const [field, name, help] of plain)
      scrapedCounter(this.registry, METRIC_PREFIX + name, help, () => counters[field] as number);
    scrapedCounterByLabel(
      this.registry,
      `${METRIC_PREFIX}gossip_batches_rejected_total`,
      "Peers' batches rejected, by reason.",
      "reason",
      BATCH_REJECTIONS,
      (reason) => counters.batchesRejected[reason],
    );
    scrapedCounterByLabel(
      this.registry,
      `${METRIC_PREFIX}gossip_readings_dropped_total`,
      "Readings in accepted batches dropped, by reason.",
      "reason",
      READING_DROPS,
      (reason) => counters.readingsDropped[reason],
    );
  }
}
