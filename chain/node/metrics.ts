// Prometheus metrics of one node: a Registry of its own (not prom-client's global one, so that several
// nodes in one process keep apart), the node's gauges (height, mempool, peers), the p2p layer's
// counters (chain/p2p/metrics.ts, copied at scrape time: they are plain numbers on hot paths), and
// GET /metrics on the RPC server in Prometheus' text format. The MQTT bridge adds its own metrics to
// the same registry when it starts (bridge-mqtt/metrics.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { P2PMetrics } from "../p2p/metrics.ts";
import type { HttpRoute } from "../rpc/server.ts";
import { camelToSnake } from "../util/case.ts";

export const METRICS_PATH = "/metrics";
const NODE_PREFIX = "sensorchain_";

export interface NodeMetricsSources {
  /** Height of the last committed block. */
  height: () => bigint;
  mempoolSize: () => number;
  /** Connected libp2p peers (0 for a solo node). */
  peers: () => number;
  /** The p2p layer's counters (all zero for a solo node). */
  p2p: P2PMetrics;
}

/** A gauge read from `value` when the registry is scraped. */
export function scrapedGauge(registry: Registry, name: string, help: string, value: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(value());
    },
  });
}

/** A counter copied from a plain number when the registry is scraped: hot paths count in plain
 * numbers and make no prom-client call (a prom-client counter has no set: reset, then inc). */
export function scrapedCounter(registry: Registry, name: string, help: string, value: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

/** scrapedCounter with one series per label value in `keys`. */
export function scrapedCounterByLabel<K extends string>(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  keys: readonly K[],
  value: (key: K) => number,
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const key of keys) this.labels(key).inc(value(key));
    },
  });
}

/** A fresh per-node registry holding the node's gauges and p2p counters. */
export function createNodeMetrics(sources: NodeMetricsSources): Registry {
  const registry = new Registry();
  const gauge = (name: string, help: string, value: () => number) =>
    scrapedGauge(registry, NODE_PREFIX + name, help, value);
  gauge("consensus_height", "Height of the last committed block.", () => Number(sources.height()));
  gauge("mempool_size", "Txs waiting in the mempool.", () => sources.mempoolSize());
  gauge("p2p_peers", "Connected libp2p peers.", () => sources.peers());
  for (const field of Object.keys(sources.p2p) as (keyof P2PMetrics)[])
    scrapedCounter(
      registry,
      `${NODE_PREFIX}p2p_${camelToSnake(field)}_total`,
      `p2p layer: ${field} (chain/p2p/metrics.ts).`,
      () => sources.p2p[field],
    );
  return registry;
}

/** GET|HEAD /metrics: the registry in Prometheus' text exposition format (version 0.0.4). */
export function metricsRoute(registry: Registry): HttpRoute {
  return {
    pathPrefix: METRICS_PATH,
    async handle(request: IncomingMessage, response: ServerResponse) {
      const path = (request.url ?? "").split("?")[0];
      if (path !== METRICS_PATH) return sendText(response, 404, "not found\n");
      if (request.method !== "GET" && request.method !== "HEAD") {
        response.setHeader("Allow", "GET, HEAD");
        return sendText(response, 405, "method not allowed\n");
      }
      const text = await registry.metrics();
      response.writeHead(200, {
        "Content-Type": registry.contentType,
        "Content-Length": String(Buffer.byteLength(text)),
        "Cache-Control": "no-store",
      });
      response.end(request.method === "HEAD" ? undefined : text);
    },
  };
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    "Content-Type": "text/plain",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}
