// Prometheus view of the daily-commitment counters (README.md, Daily commitments and retention):
// one counter by action, copied from the scheduler's plain numbers when the registry is scraped, as
// the bridge's other counters are (metrics.ts).
import { Counter, type Registry } from "prom-client";
import { METRIC_PREFIX } from "../metrics.ts";
import type { CommitmentCounters } from "./scheduler.ts";

export const COMMITMENT_ACTIONS = [
  "submits",
  "attests",
  "repairs",
  "conflicts",
  "finalized",
  "txFailed",
  "passes",
] as const satisfies readonly (keyof CommitmentCounters)[];

/** Label values: snake_case of the counter names. */
const LABELS: Record<(typeof COMMITMENT_ACTIONS)[number], string> = {
  submits: "submit",
  attests: "attest",
  repairs: "repair",
  conflicts: "conflict",
  finalized: "finalized",
  txFailed: "tx_failed",
  passes: "pass",
};

export function registerCommitmentMetrics(registry: Registry, counters: CommitmentCounters): void {
  new Counter({
    name: `${METRIC_PREFIX}commitments_total`,
    help: "Daily commitments of this validator by action: submit, attest, repair (from peers), conflict (ours differs after repair), finalized (device-days seen final), tx_failed, pass.",
    labelNames: ["action"],
    registers: [registry],
    collect() {
      this.reset();
      for (const action of COMMITMENT_ACTIONS) this.labels(LABELS[action]).inc(counters[action]);
    },
  });
}
