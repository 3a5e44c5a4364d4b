// RFC 3339 timestamps as CometBFT prints them (Go's time.RFC3339Nano): UTC, "Z", and a fractional
// second with trailing zeros trimmed (none at all when nanos is 0). chain/types had no formatter
// when this was written; move it there if another part needs it.
import type { Timestamp } from "../types/block.ts";

const NANOS_PER_SECOND = 1_000_000_000;

export function formatTimestamp(time: Timestamp): string {
  if (!Number.isInteger(time.nanos) || time.nanos < 0 || time.nanos >= NANOS_PER_SECOND) {
    throw new RangeError(`timestamp nanos out of range: ${time.nanos}`);
  }
  const seconds = time.seconds * 1000n;
  const date = new Date(Number(seconds));
  if (Number.isNaN(date.getTime())) throw new RangeError(`timestamp seconds out of range: ${time.seconds}`);
  const base = date.toISOString().slice(0, 19);
  if (time.nanos === 0) return `${base}Z`;
  const fraction = time.nanos.toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}.${fraction}Z`;
}

/** Go's zero time.Time, which CometBFT prints for absent commit signatures. */
export const ZERO_TIME_TEXT = "0001-01-01T00:00:00Z";
