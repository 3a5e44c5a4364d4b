// Where the slow PUBACKs of a bridge-load run come from (`bridge-load.ts --timeline`): the load
// generator records each PUBACK's send time and latency and each scheduler tick (device-load.ts);
// the bridge process records its GC pauses, group commits, verify windows and event-loop stalls
// (recordNodeEvents). All times are epoch ms (performance.timeOrigin + now), so the processes'
// records share one clock. The report says whether the tail is periodic (stalls: GC, fsync, a timer)
// or uniform queueing, and whether the devices send evenly.
import { PerformanceObserver } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { Database } from "../../chain/store/db.ts";

/** A node-side interval: [at, at + ms), with a size (operations, signatures) where it has one. */
export interface NodeEvent {
  at: number;
  ms: number;
  size: number;
}

export interface NodeEvents {
  gc: NodeEvent[];
  /** LevelDB batch writes (group commits with their fsync): size = operations. */
  commits: NodeEvent[];
  /** Verify windows, from the message to a worker to its answer: size = signatures. */
  windows: NodeEvent[];
  /** Event-loop stalls past STALL_MS: a timer that fired `ms` late. */
  stalls: NodeEvent[];
}

/** Period of the stall probe, and the lateness reported as a stall, ms. */
const PROBE_MS = 5;
const STALL_MS = 4;

/** Sends this far (ms) into the run count as start-up in the report, unless the run had a warm-up
 * (then its length). */
const STEADY_AFTER_MS = 3_000;
/** Node events at least this long (ms) are listed with their times. */
const LONG_EVENT_MS = 25;

const now = () => performance.timeOrigin + performance.now();

/** Records this process's GC pauses, `db`'s batch writes, verify-worker windows and event-loop
 * stalls until the returned stop is called (patches db.batch and Worker.prototype; bench use only). */
export function recordNodeEvents(db: Database): { events: NodeEvents; stop: () => void } {
  const events: NodeEvents = { gc: [], commits: [], windows: [], stalls: [] };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      events.gc.push({
        at: performance.timeOrigin + entry.startTime,
        ms: entry.duration,
        size: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0,
      });
  });
  observer.observe({ entryTypes: ["gc"] });
  const batch = db.batch;
  db.batch = function timedBatch(this: Database, ...args: unknown[]) {
    const chained = (batch as (...a: unknown[]) => ReturnType<Database["batch"]>).apply(this, args);
    const write = chained.write;
    chained.write = function timedWrite(this: typeof chained, ...writeArgs: unknown[]) {
      const at = now();
      const size = chained.length;
      const done = (write as (...a: unknown[]) => Promise<void>).apply(this, writeArgs);
      void done.then(() => events.commits.push({ at, ms: now() - at, size }));
      return done;
    } as typeof write;
    return chained;
  } as typeof db.batch;
  const post = Worker.prototype.postMessage;
  const emit = Worker.prototype.emit;
  const sent = new WeakMap<Worker, { at: number; size: number }>();
  Worker.prototype.postMessage = function timedPost(this: Worker, value: unknown, transfer?: unknown) {
    if (value instanceof ArrayBuffer) sent.set(this, { at: now(), size: new DataView(value).getUint32(0) });
    return (post as (v: unknown, t?: unknown) => void).call(this, value, transfer);
  };
  Worker.prototype.emit = function timedEmit(this: Worker, name: string | symbol, ...args: unknown[]) {
    const window = name === "message" ? sent.get(this) : undefined;
    if (window !== undefined) {
      sent.delete(this);
      events.windows.push({ at: window.at, ms: now() - window.at, size: window.size });
    }
    return emit.call(this, name, ...args);
  } as typeof emit;
  let expected = now() + PROBE_MS;
  const probe = setInterval(() => {
    const late = now() - expected;
    if (late > STALL_MS) events.stalls.push({ at: expected, ms: late, size: 0 });
    expected = now() + PROBE_MS;
  }, PROBE_MS);
  return {
    events,
    stop() {
      observer.disconnect();
      clearInterval(probe);
      db.batch = batch;
      Worker.prototype.postMessage = post;
      Worker.prototype.emit = emit;
    },
  };
}

export interface GeneratorTimeline {
  /** Pairs: send time (epoch ms), latency ms. */
  readings: number[];
  /** Pairs: tick time (epoch ms), readings due at it. */
  ticks: number[];
}

function quantile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

const f1 = (x: number) => x.toFixed(1);

function spread(values: number[]): string {
  const sorted = Float64Array.from(values).sort();
  return `n ${sorted.length}, p50 ${f1(quantile(sorted, 0.5))}, p99 ${f1(quantile(sorted, 0.99))}, max ${f1(sorted.at(-1) ?? Number.NaN)}`;
}

/** The lines of the report (printed by bridge-load.ts). */
export function timelineReport(
  generators: readonly GeneratorTimeline[],
  node: NodeEvents,
  steadyAfterMs: number = STEADY_AFTER_MS,
): string[] {
  const sends: number[] = [];
  const latencies: number[] = [];
  for (const g of generators)
    for (let i = 0; i < g.readings.length; i += 2) {
      sends.push(g.readings[i]!);
      latencies.push(g.readings[i + 1]!);
    }
  const order = Array.from(sends.keys()).sort((a, b) => sends[a]! - sends[b]!);
  const start = sends[order[0]!]!;
  const sortedLatency = Float64Array.from(latencies).sort();
  const p50 = quantile(sortedLatency, 0.5);
  const p99 = quantile(sortedLatency, 0.99);
  const lines = [
    `timeline: ${order.length} PUBACKs, p50 ${f1(p50)} ms, p90 ${f1(quantile(sortedLatency, 0.9))}, p99 ${f1(p99)}, p99.9 ${f1(quantile(sortedLatency, 0.999))}, max ${f1(sortedLatency.at(-1)!)}`,
  ];

  // The generator: how evenly it sends (readings per tick, tick intervals).
  for (const [index, g] of generators.entries()) {
    const counts: number[] = [];
    const gaps: number[] = [];
    for (let i = 0; i < g.ticks.length; i += 2) {
      counts.push(g.ticks[i + 1]!);
      if (i >= 2) gaps.push(g.ticks[i]! - g.ticks[i - 2]!);
    }
    lines.push(`  generator ${index}: sends per tick ${spread(counts)}; tick interval ms ${spread(gaps)}`);
  }

  // Latency by send time, 250 ms buckets: periodic stalls show as a few bad buckets.
  const BUCKET_MS = 250;
  const buckets = new Map<number, number[]>();
  for (const i of order) {
    const bucket = Math.floor((sends[i]! - start) / BUCKET_MS);
    let list = buckets.get(bucket);
    if (list === undefined) buckets.set(bucket, (list = []));
    list.push(latencies[i]!);
  }
  const bucketP99: string[] = [];
  for (const [bucket, list] of buckets) {
    const sorted = Float64Array.from(list).sort();
    bucketP99.push(`${((bucket * BUCKET_MS) / 1000).toFixed(2)}s:${quantile(sorted, 0.99).toFixed(0)}`);
  }
  lines.push(`  p99 by 250 ms of send time (s:ms): ${bucketP99.join(" ")}`);

  // Phase within the second (the devices' send phase is index/devices of a second).
  const phase = Array.from({ length: 10 }, () => [] as number[]);
  for (const i of order) phase[Math.floor(((sends[i]! - start) % 1000) / 100)]!.push(latencies[i]!);
  lines.push(
    `  by phase in the second (100 ms bins): ${phase.map((list) => `${list.length}/${quantile(Float64Array.from(list).sort(), 0.99).toFixed(0)}`).join(" ")} (count/p99)`,
  );

  // The first seconds apart: start-up (threads, compilation, a backlog) differs from steady state.
  const steady = order.filter((i) => sends[i]! - start >= steadyAfterMs);
  const steadySorted = Float64Array.from(steady.map((i) => latencies[i]!)).sort();
  const first = order.filter((i) => sends[i]! - start < steadyAfterMs);
  const firstSorted = Float64Array.from(first.map((i) => latencies[i]!)).sort();
  lines.push(
    `  first ${steadyAfterMs / 1000} s of sends: n ${first.length}, p50 ${f1(quantile(firstSorted, 0.5))}, p99 ${f1(quantile(firstSorted, 0.99))}; ` +
      `after: n ${steady.length}, p50 ${f1(quantile(steadySorted, 0.5))}, p99 ${f1(quantile(steadySorted, 0.99))}, max ${f1(steadySorted.at(-1) ?? Number.NaN)}`,
  );
  const steadyP99 = quantile(steadySorted, 0.99);

  // The slow readings of the steady part (above its p99) in clusters of send time, with the node
  // events over their wait.
  const slow = steady.filter((i) => latencies[i]! >= steadyP99);
  const clusters: { from: number; to: number; count: number; max: number; end: number }[] = [];
  for (const i of slow) {
    const at = sends[i]!;
    const last = clusters.at(-1);
    if (last !== undefined && at - last.to <= 20) {
      last.to = at;
      last.count++;
      last.max = Math.max(last.max, latencies[i]!);
      last.end = Math.max(last.end, at + latencies[i]!);
    } else clusters.push({ from: at, to: at, count: 1, max: latencies[i]!, end: at + latencies[i]! });
  }
  const overlapping = (list: NodeEvent[], from: number, to: number) =>
    list.filter((e) => e.at < to && e.at + e.ms > from);
  const describe = (list: NodeEvent[], from: number, to: number) => {
    const hits = overlapping(list, from, to);
    if (hits.length === 0) return "-";
    const longest = hits.reduce((a, b) => (b.ms > a.ms ? b : a));
    return `${hits.length} (longest ${f1(longest.ms)} ms, size ${longest.size})`;
  };
  lines.push(
    `  steady slow (≥ its p99 ${f1(steadyP99)} ms): ${slow.length} readings in ${clusters.length} clusters of send time (gap > 20 ms); the 12 worst:`,
  );
  for (const c of [...clusters].sort((a, b) => b.max - a.max).slice(0, 12))
    lines.push(
      `    at ${((c.from - start) / 1000).toFixed(3)} s +${f1(c.to - c.from)} ms, ${c.count} readings, max ${f1(c.max)} ms; ` +
        `gc ${describe(node.gc, c.from, c.end)}; commits ${describe(node.commits, c.from, c.end)}; ` +
        `windows ${describe(node.windows, c.from, c.end)}; stalls ${describe(node.stalls, c.from, c.end)}`,
    );
  const gaps = clusters.slice(1).map((c, i) => c.from - clusters[i]!.from);
  lines.push(`  intervals between slow clusters, ms: ${spread(gaps)}`);

  // Long node events in time (s from the first send), to set beside the slow clusters.
  const long = (name: string, list: NodeEvent[]) =>
    list
      .filter((e) => e.ms >= LONG_EVENT_MS)
      .map((e) => `${name} ${((e.at - start) / 1000).toFixed(2)}s/${e.ms.toFixed(0)}`);
  const longEvents = [
    ...long("gc", node.gc),
    ...long("commit", node.commits),
    ...long("window", node.windows),
    ...long("stall", node.stalls),
  ];
  lines.push(
    `  node events ≥ ${LONG_EVENT_MS} ms (s/ms): ${longEvents.sort((a, b) => Number.parseFloat(a.split(" ")[1]!) - Number.parseFloat(b.split(" ")[1]!)).join(" ")}`,
  );

  // Node events over the whole run.
  // perf_hooks gc kinds: 1 minor (scavenge), 4 major (mark-compact), 8 incremental, 16 weak callbacks.
  const kinds = new Map<number, number[]>();
  for (const e of node.gc) {
    let list = kinds.get(e.size);
    if (list === undefined) kinds.set(e.size, (list = []));
    list.push(e.ms);
  }
  lines.push(
    `  node gc pauses ms by kind (1 minor, 4 major, 8 incremental): ${[...kinds].map(([kind, list]) => `${kind}: ${spread(list)}, total ${list.reduce((a, b) => a + b, 0).toFixed(0)}`).join("; ")}`,
  );
  lines.push(
    `  node commits ms: ${spread(node.commits.map((e) => e.ms))}; operations ${spread(node.commits.map((e) => e.size))}`,
  );
  lines.push(
    `  node verify windows ms: ${spread(node.windows.map((e) => e.ms))}; signatures ${spread(node.windows.map((e) => e.size))}`,
  );
  lines.push(`  node event-loop stalls > ${STALL_MS} ms: ${spread(node.stalls.map((e) => e.ms))}`);
  return lines;
}
