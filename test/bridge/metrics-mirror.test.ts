// BridgeMetrics.mirrorConsumers / mirrorCommands (bridge-mqtt/metrics.ts) on a prom-client registry
// of their own: each series reads its plain counter at scrape time, the command relay's counters
// from the moment the relay exists (a solo node never has one: metrics-consumers.test.ts shows
// zeros), every label maps to its own counter, and paid_commands_total is absent without a chain.
import test from "ava";
import { Registry } from "prom-client";
import type { CommandRelayCounters } from "../../bridge-mqtt/commands/command-relay.ts";
import { ConsumerCommands } from "../../bridge-mqtt/commands/consumer-commands.ts";
import type { PaidCommandCounters } from "../../bridge-mqtt/commands/paid-commands.ts";
import { newConsumerCounters } from "../../bridge-mqtt/consumers/access.ts";
import { newCounters } from "../../bridge-mqtt/errors.ts";
import { BridgeMetrics } from "../../bridge-mqtt/metrics.ts";
import { parsePrometheusText, sampleValue } from "../../scripts/bench/prometheus-text.ts";

const M = "sensorchain_mqtt_";
const silent = { info() {}, warn() {}, error() {} };

function bridgeMetrics() {
  const registry = new Registry();
  const metrics = new BridgeMetrics(registry, { counters: newCounters(), pendingReadings: () => 0 });
  const scrape = async () => {
    const exposition = parsePrometheusText(await registry.metrics());
    return (name: string, labels: Record<string, string> = {}) => sampleValue(exposition, M + name, labels);
  };
  return { metrics, scrape };
}

test("command series read their counters when scraped; the relay's once it exists", async (t) => {
  const { metrics, scrape } = bridgeMetrics();
  const commands = new ConsumerCommands({ now: Date.now, logger: silent });
  let relay: CommandRelayCounters | undefined;
  const consumer = {
    counters: commands.counters,
    get relayCounters() {
      return relay;
    },
  };
  const paid: PaidCommandCounters = { scheduled: 0, on: 0, off: 0, late: 0, dropped: 0, publishFailed: 0 };
  metrics.mirrorCommands(consumer, paid);

  let value = await scrape();
  t.is(value("command_relays_total", { outcome: "sent" }), 0, "no relay yet: zeros");
  t.is(value("paid_commands_total", { event: "publish_failed" }), 0);

  relay = { sent: 2, delivered: 3, rejected: 4, duplicates: 5 };
  Object.assign(paid, { scheduled: 6, on: 7, off: 8, late: 9, dropped: 10, publishFailed: 11 });
  commands.counters.forwarded = 12;
  commands.counters.refused.rate_limited = 13;
  commands.counters.refused.not_entitled = 14;
  value = await scrape();
  const relays = ["sent", "delivered", "rejected", "duplicate"].map((outcome) =>
    value("command_relays_total", { outcome }),
  );
  t.deepEqual(relays, [2, 3, 4, 5]);
  const events = ["scheduled", "on", "off", "late", "dropped", "publish_failed"].map((event) =>
    value("paid_commands_total", { event }),
  );
  t.deepEqual(events, [6, 7, 8, 9, 10, 11]);
  t.is(value("consumer_commands_forwarded_total"), 12);
  t.is(value("consumer_commands_refused_total", { reason: "rate_limited" }), 13);
  t.is(value("consumer_commands_refused_total", { reason: "not_entitled" }), 14);
  t.is(value("consumer_commands_refused_total", { reason: "oversized" }), 0);
});

test("consumer series read their counters; no paid_commands_total without a chain", async (t) => {
  const { metrics, scrape } = bridgeMetrics();
  const counters = newConsumerCounters();
  const streams = { published: 0 };
  metrics.mirrorConsumers(counters, streams);
  metrics.mirrorCommands(new ConsumerCommands({ now: Date.now, logger: silent }), undefined);
  Object.assign(counters, { loginsAccepted: 1, streamsGranted: 2, streamsCut: 3, publishesRefused: 4 });
  counters.loginsRefused.busy = 5;
  counters.streamsRefused.too_many_streams = 6;
  streams.published = 7;
  const value = await scrape();
  t.deepEqual(
    [
      "consumer_logins_accepted_total",
      "consumer_streams_granted_total",
      "consumer_streams_cut_total",
      "consumer_publishes_refused_total",
    ].map((name) => value(name)),
    [1, 2, 3, 4],
  );
  t.is(value("consumer_logins_refused_total", { reason: "busy" }), 5);
  t.is(value("consumer_logins_refused_total", { reason: "stale" }), 0);
  t.is(value("consumer_streams_refused_total", { reason: "too_many_streams" }), 6);
  t.is(value("stream_readings_published_total"), 7);
  t.is(value("paid_commands_total", { event: "on" }), undefined);
});
