// Go time.Duration strings ("1s", "500ms", "1m30s"), the format CometBFT's config.toml uses.

const UNIT_NANOSECONDS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const PART_PATTERN = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)/y;
/** Longest duration text accepted; a config value is never anywhere near this. */
const MAX_DURATION_TEXT = 64;

export class DurationError extends Error {
  readonly code = "invalid_duration";
}

/** Parses a Go duration into nanoseconds. "0" alone is allowed, as in Go; signs are not. */
export function parseDurationNs(text: string): bigint {
  if (text === "0") return 0n;
  if (text.length === 0 || text.length > MAX_DURATION_TEXT) {
    throw new DurationError(`invalid duration ${JSON.stringify(text)}`);
  }
  let total = 0n;
  PART_PATTERN.lastIndex = 0;
  while (PART_PATTERN.lastIndex < text.length) {
    const match = PART_PATTERN.exec(text);
    if (match === null) {
      throw new DurationError(
        `invalid duration ${JSON.stringify(text)} (expected e.g. "1s", "500ms", "1m30s")`,
      );
    }
    const unit = UNIT_NANOSECONDS[match[2]!]!;
    const [whole = "", fraction = ""] = match[1]!.split(".");
    total += BigInt(whole === "" ? "0" : whole) * unit;
    if (fraction !== "") total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
  }
  return total;
}

/** Parses a Go duration into whole milliseconds; sub-millisecond remainders are an error. */
export function parseDurationMs(text: string): number {
  const ns = parseDurationNs(text);
  if (ns % 1_000_000n !== 0n) {
    throw new DurationError(`duration ${JSON.stringify(text)} must be a whole number of milliseconds`);
  }
  const ms = ns / 1_000_000n;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER))
    throw new DurationError(`duration ${JSON.stringify(text)} too long`);
  return Number(ms);
}

/** Formats milliseconds the way Go prints short durations ("1s", "500ms", "1m30s"). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours > 0 ? `${hours}h` : ""}${hours > 0 || minutes > 0 ? `${minutes}m` : ""}${seconds}s`;
}
