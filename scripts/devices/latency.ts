// Time-to-PUBACK percentiles without keeping every sample: a histogram of 0.1 ms bins up to 10 s
// (beyond it, one overflow bin that reports as 10 s or more).

/** Bin width, ms, and the number of bins: 0.1 ms resolution covers the 100 ms target finely. */
const BIN_MS = 0.1;
const BINS = 100_000;

export class LatencyHistogram {
  readonly #bins = new Uint32Array(BINS + 1);
  count = 0;
  maxMs = 0;

  add(ms: number): void {
    const bin = Math.min(BINS, Math.max(0, Math.floor(ms / BIN_MS)));
    this.#bins[bin]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The smallest latency, ms, that `fraction` (0..1) of the samples do not exceed (bin upper edge). */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let bin = 0; bin <= BINS; bin++) {
      seen += this.#bins[bin]!;
      if (seen >= rank) return Math.min((bin + 1) * BIN_MS, this.maxMs);
    }
    return this.maxMs;
  }

  /** The non-empty bins as [bin, count] pairs: a histogram small enough to send between processes. */
  nonEmptyBins(): [number, number][] {
    const bins: [number, number][] = [];
    for (let bin = 0; bin <= BINS; bin++) if (this.#bins[bin]! > 0) bins.push([bin, this.#bins[bin]!]);
    return bins;
  }

  /** Adds another histogram's nonEmptyBins (and its maximum). */
  addBins(bins: readonly [number, number][], maxMs: number): void {
    for (const [bin, count] of bins) {
      this.#bins[bin]! += count;
      this.count += count;
    }
    if (maxMs > this.maxMs) this.maxMs = maxMs;
  }

  reset(): void {
    this.#bins.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }
}

/** Latencies the histogram resolves, ms: a percentile in the overflow bin is only "more than this". */
export const LATENCY_CEILING_MS = BIN_MS * BINS;

/** `ms` with one decimal, "≥10000" when it fell in the overflow bin, "-" when nothing was measured. */
export function formatLatency(ms: number): string {
  if (Number.isNaN(ms)) return "-";
  return ms >= LATENCY_CEILING_MS ? `≥${LATENCY_CEILING_MS}` : ms.toFixed(1);
}
