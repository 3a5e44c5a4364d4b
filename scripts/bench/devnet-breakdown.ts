// Where a devnet tx's broadcast → inclusion time goes, from the nodes' debug logs (`--log-dir`):
// the wait until the proposal that carried it was built (on its proposer), that proposal → the block
// committed on node 0, and node 0's commit → the bench seeing the block (its polling). Proposals built
// while a tx was (probably) already in every mempool but without it are the tx's "missed" proposals:
// the reasons are in the proposer's lines (waiting for the mempool lock, block full) and the height timelines.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TX_BATCH_FLUSH_INTERVAL_MS } from "../../chain/p2p/limits.ts";

export interface TxTimes {
  /** Unix ms: broadcast_tx_sync requested, answered (the tx admitted), the block seen by the bench. */
  sentAt: number;
  answeredAt: number;
  seenAt: number;
  height: number;
  /** Index (in `monikers`) of the node whose RPC admitted it. */
  node: number;
}

interface LogLine {
  at: number;
  message: string;
  fields: Record<string, string>;
}

/** A tx is assumed in the proposer's mempool this long after the node that admitted it published its
 * tx batch (at that node's next decision, or TX_BATCH_FLUSH_INTERVAL_MS after the tx, whichever came
 * first) or, on the node that admitted it, after its broadcast was answered: gossip and checkTx on an
 * unhurried node. */
const ASSUMED_SPREAD_MS = 200;

function readLog(path: string, dayStart: number): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of readFileSync(path, "utf8").split("\n")) {
    const match = /^(\d\d):(\d\d):(\d\d)\.(\d\d\d) (\w+)\s+(.*)$/.exec(text);
    if (match === null) continue;
    const at =
      dayStart +
      ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 +
      Number(match[4]);
    const rest = match[6]!;
    const fieldStart = rest.search(/ \w+=/);
    const message = fieldStart < 0 ? rest : rest.slice(0, fieldStart);
    const fields: Record<string, string> = {};
    for (const pair of rest.slice(message.length).matchAll(/(\w+)=(\S+)/g)) fields[pair[1]!] = pair[2]!;
    lines.push({ at, message, fields });
  }
  return lines;
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The value at fraction q of sorted values (the lower of the two around it); NaN when empty. */
export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function printLatencyBreakdown(
  logDir: string,
  monikers: string[],
  txs: TxTimes[],
  maxBlockTxs: number,
): void {
  const now = new Date();
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const logs = monikers.map((moniker) => readLog(join(logDir, `${moniker}.log`), dayStart));
  // The last proposal built for each height (the decided round's, usually), on whichever node.
  const built = new Map<number, { at: number; txs: number; reapWaitMs: number; ms: number; node: number }>();
  for (const [node, log] of logs.entries())
    for (const line of log)
      if (line.message === "proposal built") {
        const height = Number(line.fields["height"]);
        const previous = built.get(height);
        if (previous === undefined || previous.at < line.at)
          built.set(height, {
            at: line.at,
            txs: Number(line.fields["txs"]),
            reapWaitMs: Number(line.fields["reapWaitMs"] ?? 0),
            ms: Number(line.fields["ms"]),
            node,
          });
      }
  const committed0 = new Map<number, number>();
  const timelines: Record<string, number>[] = [];
  for (const line of logs[0] ?? []) {
    if (line.message === "committed block") committed0.set(Number(line.fields["height"]), line.at);
    if (line.message === "height timeline")
      timelines.push(Object.fromEntries(Object.entries(line.fields).map(([k, v]) => [k, Number(v)])));
  }
  // When each node decided each height (its "decided" line, logged after the block's execution, less
  // applyMs): it publishes its pending tx batch then.
  const decisions = logs.map((log) =>
    log
      .filter((line) => line.message === "decided")
      .map((line) => line.at - Number(line.fields["applyMs"] ?? 0))
      .sort((a, b) => a - b),
  );
  const inMempoolOf = (tx: TxTimes, node: number): number => {
    if (node === tx.node) return tx.answeredAt + ASSUMED_SPREAD_MS;
    const decided = decisions[tx.node]?.find((at) => at >= tx.answeredAt) ?? Number.POSITIVE_INFINITY;
    return Math.min(decided, tx.answeredAt + TX_BATCH_FLUSH_INTERVAL_MS) + ASSUMED_SPREAD_MS;
  };
  const heights = [...built.keys()].sort((a, b) => a - b);
  const rows = txs
    .filter((tx) => built.has(tx.height) && committed0.has(tx.height))
    .map((tx) => {
      const proposal = built.get(tx.height)!;
      const missedHeights = heights.filter(
        (h) => h < tx.height && built.get(h)!.at >= inMempoolOf(tx, built.get(h)!.node),
      );
      const missed = missedHeights.length;
      // Missed where the tx was admitted (the proposer had it in its own mempool: not gossip), and
      // how long after the tx's admission the missed proposals were built.
      const missedOwn = missedHeights.filter((h) => built.get(h)!.node === tx.node).length;
      const missedAfterMs = missedHeights.map((h) => built.get(h)!.at - tx.answeredAt);
      return {
        missedOwn,
        missedAfterMs,
        total: tx.seenAt - tx.sentAt,
        wait: proposal.at - tx.sentAt,
        toCommit: committed0.get(tx.height)! - proposal.at,
        toSeen: tx.seenAt - committed0.get(tx.height)!,
        missed,
      };
    })
    .sort((a, b) => a.total - b.total);
  if (rows.length === 0) {
    console.log("  latency breakdown: no tx matched the logs");
    return;
  }
  const describe = (label: string, part: typeof rows) =>
    console.log(
      `  ${label.padEnd(12)} n=${part.length}: total ${mean(part.map((r) => r.total)).toFixed(0)} ms = ` +
        `wait for its proposal ${mean(part.map((r) => r.wait)).toFixed(0)} + proposal → committed on node 0 ` +
        `${mean(part.map((r) => r.toCommit)).toFixed(0)} + committed → seen ${mean(part.map((r) => r.toSeen)).toFixed(0)}; ` +
        `proposals missed: ${[0, 1, 2]
          .map(
            (n) =>
              `${n === 2 ? "2+" : n} ${part.filter((r) => (n === 2 ? r.missed >= 2 : r.missed === n)).length}`,
          )
          .join(", ")}` +
        (part.some((r) => r.missed > 0)
          ? ` (${part.reduce((sum, r) => sum + r.missedOwn, 0)} of them built by the node that admitted ` +
            `the tx; built ${mean(part.flatMap((r) => r.missedAfterMs)).toFixed(0)} ms after its admission on average)`
          : ""),
    );
  const p50 = quantile(
    rows.map((r) => r.total),
    0.5,
  );
  const p99 = quantile(
    rows.map((r) => r.total),
    0.99,
  );
  console.log(`  latency breakdown (from the logs; p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms):`);
  describe("all", rows);
  describe("around p50", rows.slice(Math.floor(rows.length * 0.45), Math.ceil(rows.length * 0.55)));
  describe("top 2%", rows.slice(Math.floor(rows.length * 0.98)));
  const inRange = heights.filter((h) => committed0.has(h));
  const full = inRange.filter((h) => built.get(h)!.txs >= maxBlockTxs).length;
  const intervals = inRange
    .slice(1)
    .map((h, i) => committed0.get(h)! - committed0.get(inRange[i]!)!)
    .sort((a, b) => a - b);
  console.log(
    `  heights: ${inRange.length} proposals with txs logged, ${full} full (${maxBlockTxs} txs); node 0 commit interval ` +
      `p50 ${quantile(intervals, 0.5).toFixed(0)} ms, p90 ${quantile(intervals, 0.9).toFixed(0)} ms; proposer wait for the mempool lock ` +
      `mean ${mean(inRange.map((h) => built.get(h)!.reapWaitMs)).toFixed(0)} ms, build mean ${mean(inRange.map((h) => built.get(h)!.ms)).toFixed(0)} ms`,
  );
  const keys = ["waitMs", "proposalMs", "prevoteMs", "precommitMs", "decideMs", "voteSignMs"];
  const busy = timelines.filter((t) => (t["decideMs"] ?? 0) > 0);
  console.log(
    `  node 0 height timeline, median ms (round 0 start = 0): ${keys
      .map(
        (k) =>
          `${k} ${quantile(
            busy.map((t) => t[k] ?? Number.NaN).sort((a, b) => a - b),
            0.5,
          ).toFixed(0)}`,
      )
      .join(", ")}`,
  );
}
