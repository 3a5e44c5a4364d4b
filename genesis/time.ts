// RFC 3339 timestamps with nanoseconds, as CometBFT writes genesis_time and block times (Go's
// time.RFC3339Nano in UTC). A JS Date holds only milliseconds, so the value is seconds + nanos.
import type { Timestamp } from "../chain/types/block.ts";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export class TimestampError extends Error {
  readonly code = "invalid_timestamp";
}

export function parseRfc3339(text: string): Timestamp {
  const match = RFC3339.exec(text);
  if (match === null) throw new TimestampError(`invalid RFC 3339 time ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC silently rolls 31 February over into March; a genesis file must say what it means.
  if (
    year < 1 ||
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    throw new TimestampError(`invalid RFC 3339 time ${JSON.stringify(text)}: no such date or time`);
  }
  let seconds = BigInt(ms / 1000);
  const zone = match[8]!;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1n : 1n;
    const offsetHours = BigInt(zone.slice(1, 3));
    const offsetMinutes = BigInt(zone.slice(4, 6));
    if (offsetHours > 23n || offsetMinutes > 59n) throw new TimestampError(`invalid time zone in ${text}`);
    seconds -= sign * (offsetHours * 3600n + offsetMinutes * 60n);
  }
  const nanos = Number((match[7] ?? "").padEnd(9, "0"));
  return { seconds, nanos };
}

/** Formats as Go's RFC3339Nano in UTC: trailing zeros of the fraction dropped. */
export function formatRfc3339(time: Timestamp): string {
  const date = new Date(Number(time.seconds) * 1000);
  const base = date.toISOString().slice(0, 19);
  const fraction = time.nanos.toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${fraction === "" ? "" : `.${fraction}`}Z`;
}

export function timestampFromDate(date: Date): Timestamp {
  const ms = BigInt(date.getTime());
  const seconds = ms >= 0n ? ms / 1000n : -((-ms + 999n) / 1000n);
  return { seconds, nanos: Number(ms - seconds * 1000n) * 1_000_000 };
}
