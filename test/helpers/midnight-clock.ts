// A node clock moved to just before a UTC midnight (SENSORCHAIN_CLOCK_OFFSET_MS, read when a node
// process starts) for tests of daily commitments, and how far before midnight to put it when the
// node restarts after a setup on the real clock.

const DAY_MS = 86_400_000;

export interface MidnightClock {
  /** The UTC midnight ahead, ms since the epoch. */
  midnightMs: number;
  /** The UTC day that ends at midnightMs (days since the epoch). */
  day: bigint;
  /** The value for SENSORCHAIN_CLOCK_OFFSET_MS: the node clock reads leadMs before midnight now. */
  offsetMs: number;
  /** The node's clock. */
  nodeNow(): number;
}

/** A node clock leadMs before the next UTC midnight at least that far ahead on the real clock, so
 * the offset only moves the clock forward (block time never goes back). */
export function clockBeforeMidnight(leadMs: number, nowMs = Date.now()): MidnightClock {
  const midnightMs = (Math.floor((nowMs + leadMs) / DAY_MS) + 1) * DAY_MS;
  const offsetMs = midnightMs - leadMs - nowMs;
  return {
    midnightMs,
    day: BigInt(midnightMs / DAY_MS - 1),
    offsetMs,
    nodeNow: () => Date.now() + offsetMs,
  };
}

/**
 * How far before midnight a restarted node's clock starts. A restart (stop, start, reconnect) takes
 * about as long as the first start took on the same machine under the same load (measured: 1.2×
 * with four validators at load ~25), so twice that, plus what the test does before midnight after
 * the restart. Not capped: a fixed lead (these tests had 30-60 s) fails on a machine loaded enough
 * that the restart takes longer, and keeps an idle machine waiting for nothing.
 */
export function restartLeadMs(firstStartMs: number, beforeMidnightMs: number): number {
  return 2 * firstStartMs + beforeMidnightMs;
}
