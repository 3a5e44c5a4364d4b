// Prometheus metrics of one bridge (README.md, Metrics), in the node's own prom-client Registry (never
// the global one: several nodes in one process, as tests run them, would clash). The hot paths keep
// plain-number counters (errors.ts BridgeCounters); they are copied into the registry when it is
// scraped, so a reading costs no prom-client call. Durations are histograms: verify_seconds (one
// sample per reading) counts into plain numbers exported at scrape time too (CountedHistogram);
// gossip lag (one per batch) is a prom-client Histogram observed where it happens.
import type { Aedes, Client } from "aedes";
import { Gauge, Histogram, type Metric, type Registry } from "prom-client";
import { scrapedCounter, scrapedCounterByLabel, scrapedGauge } from "../chain/node/metrics.ts";
import { DEVICE_ID_PATTERN } from "../modules/device/keys.ts";
import type { CommandRelayCounters } from "./commands/command-relay.ts";
import type { ConsumerCommandCounters } from "./commands/consumer-commands.ts";
import type { PaidCommandCounters } from "./commands/paid-commands.ts";
import type { ConsumerCounters } from "./consumers/access.ts";
import type { StreamCounters } from "./consumers/streams.ts";
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

/** Label values of command_relays_total and the relay counter each mirrors. */
const RELAY_OUTCOMES = {
  sent: "sent",
  delivered: "delivered",
  rejected: "rejected",
  duplicate: "duplicates",
} as const satisfies Record<string, keyof CommandRelayCounters>;
/** Label values of paid_commands_total and the paid-command counter each mirrors. */
const PAID_COMMAND_EVENTS = {
  scheduled: "scheduled",
  on: "on",
  off: "off",
  late: "late",
  dropped: "dropped",
  publish_failed: "publishFailed",
} as const satisfies Record<string, keyof PaidCommandCounters>;

export interface BridgeMetricsSources {
  counters: BridgeCounters;
  /** Readings admitted and waiting for their group commit (ReadingStore.pending). */
  pendingReadings: () => number;
  /** Signatures waiting for a verifier (0 when verification runs inline). */
  verifyQueue?: () => number;
}

/** A histogram without labels counted in plain numbers and exported at scrape time in the exposition
 * prom-client gives its own Histogram (cumulative `_bucket` series with `le`, then `_sum` and
 * `_count`). prom-client's observe cost ~0.3 µs and ~130 bytes of garbage, once per reading on the
 * main thread for verify_seconds; this is a bucket search and three additions. */
class CountedHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last is above every bound (+Inf). */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
    registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.#counts[bucket]!++;
    this.#sum += value;
    this.#count++;
  }

  async get() {
    const name = this.name;
    const values: { labels: { le?: number | string }; value: number; metricName: string }[] = [];
    let cumulative = 0;
    for (const [bucket, le] of this.#bounds.entries()) {
      cumulative += this.#counts[bucket]!;
      values.push({ labels: { le }, value: cumulative, metricName: `${name}_bucket` });
    }
    values.push(
      { labels: { le: "+Inf" }, value: this.#count, metricName: `${name}_bucket` },
      { labels: {}, value: this.#sum, metricName: `${name}_sum` },
      { labels: {}, value: this.#count, metricName: `${name}_count` },
    );
    return { name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}

/** What other parts of the bridge observe into; a no-op-free handle kept by the running bridge. */
export class BridgeMetrics {
  readonly registry: Registry;
  readonly #verifySeconds: CountedHistogram;
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
    mirror(
      "oversized_packets_total",
      "MQTT connections cut for announcing a packet above the bridge's size limit (or a malformed length), before the broker read it.",
      () => counters.oversizedPackets,
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
    this.#verifySeconds = new CountedHistogram(
      registry,
      `${METRIC_PREFIX}verify_seconds`,
      "Time to verify one reading's device signature, queueing for a verifier included.",
      VERIFY_SECONDS_BUCKETS,
    );
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

  /** One reading's signature check into verify_seconds (waiting for a worker included). */
  observeVerify(seconds: number): void {
    this.#verifySeconds.observe(seconds);
  }

  /** `createdMs`: the batch's creation time on its validator; `storedMs`: this node's clock. */
  observeGossipLag(createdMs: number, storedMs: number): void {
    this.#gossipLagSeconds.observe(Math.max(0, storedMs - createdMs) / 1000);
  }

  /** Where duplicates are counted: the pipeline (devices' resends). */
  countDeviceDuplicates(total: () => number): void {
    this.#duplicates.device = total;
  }

  /** Counters named by `fields` ([field, metric name without the prefix, help]), mirrored at scrape time. */
  #mirrorFields<C>(counters: C, fields: readonly (readonly [keyof C, string, string])[]): void {
    for (const [field, name, help] of fields)
      scrapedCounter(this.registry, METRIC_PREFIX + name, help, () => counters[field] as number);
  }

  /** scrapedCounterByLabel over every key of `byLabel` (a record of counts whose keys are fixed when
   * it is made), mirrored at scrape time. */
  #mirrorRecord<K extends string>(
    name: string,
    help: string,
    label: string,
    byLabel: Record<K, number>,
  ): void {
    const keys = Object.keys(byLabel) as K[];
    scrapedCounterByLabel(this.registry, METRIC_PREFIX + name, help, label, keys, (key) => byLabel[key]);
  }

  /** Consumer logins, stream subscriptions and deliveries (consumers/access.ts, consumers/streams.ts). */
  mirrorConsumers(counters: ConsumerCounters, streams: StreamCounters): void {
    this.#mirrorFields(counters, [
      ["loginsAccepted", "consumer_logins_accepted_total", "MQTT logins of consumer accounts accepted."],
      [
        "streamsGranted",
        "consumer_streams_granted_total",
        "Stream subscriptions of consumers granted (the account is entitled to the device).",
      ],
      [
        "streamsCut",
        "consumer_streams_cut_total",
        "Consumer streams ended because the entitlement ended (escrow closed or expired, grant over, device transferred).",
      ],
      [
        "publishesRefused",
        "consumer_publishes_refused_total",
        "Consumer publishes refused outside the command topics (the client is disconnected).",
      ],
    ]);
    this.#mirrorRecord(
      "consumer_logins_refused_total",
      "MQTT logins of consumer accounts refused, by reason.",
      "reason",
      counters.loginsRefused,
    );
    this.#mirrorRecord(
      "consumer_streams_refused_total",
      "Stream subscriptions of consumers refused (SUBACK 0x80, answered on the consumer's errors topic), by reason.",
      "reason",
      counters.streamsRefused,
    );
    this.#mirrorFields(streams, [
      [
        "published",
        "stream_readings_published_total",
        "Stored readings published on their device's live stream topics (protobuf and JSON), for devices someone subscribed to.",
      ],
    ]);
  }

  /** Consumer commands (forwarded, refused by reason), their relay to the other validators' bridges
   * (zeros without a network) and paid command windows (absent without a chain). */
  mirrorCommands(
    consumer: { counters: ConsumerCommandCounters; relayCounters: CommandRelayCounters | undefined },
    paid: PaidCommandCounters | undefined,
  ): void {
    this.#mirrorFields(consumer.counters, [
      [
        "forwarded",
        "consumer_commands_forwarded_total",
        "Consumer commands forwarded to the device's commands topic on this bridge.",
      ],
    ]);
    this.#mirrorRecord(
      "consumer_commands_refused_total",
      "Consumer commands refused (acknowledged and answered on the consumer's errors topic), by reason.",
      "reason",
      consumer.counters.refused,
    );
    const noRelay: CommandRelayCounters = { sent: 0, delivered: 0, rejected: 0, duplicates: 0 };
    this.#mirrorLabelled(
      "command_relays_total",
      "Consumer commands relayed between validators' bridges: sent (this bridge forwarded one), delivered (a peer's relay reached a device here), rejected (not from a validator, bad signature, other chain, malformed, stale), duplicate.",
      "outcome",
      RELAY_OUTCOMES,
      () => consumer.relayCounters ?? noRelay,
    );
    if (paid !== undefined)
      this.#mirrorLabelled(
        "paid_commands_total",
        "Paid command windows (escrows with command terms): scheduled, on and off sent to the device, late (over before this bridge learned of them), dropped (limits reached or a malformed event), publish_failed.",
        "event",
        PAID_COMMAND_EVENTS,
        () => paid,
      );
  }

  /** One series per key of `fields` (label value -> counter field), mirrored at scrape time. */
  #mirrorLabelled<L extends string, C>(
    name: string,
    help: string,
    label: string,
    fields: Record<L, keyof C>,
    counters: () => C,
  ): void {
    const labels = Object.keys(fields) as L[];
    scrapedCounterByLabel(this.registry, METRIC_PREFIX + name, help, label, labels, (key) =>
      Number(counters()[fields[key]]),
    );
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
    this.#mirrorFields(counters, plain);
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
