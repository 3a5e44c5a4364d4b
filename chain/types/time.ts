// Timestamps as CometBFT writes them: proto Timestamp {seconds, nanos} and RFC 3339 text with Go's
// RFC3339Nano layout (UTC "Z", fraction trimmed of trailing zeros, no dot when nanos is 0).

import type { Timestamp } from "./block.ts";
import { TimestampError } from "./errors.ts";

export const NANOS_PER_SECOND = 1_000_000_000;
const SECONDS_PER_DAY = 86_400;
/** Go's zero time.Time (0001-01-01T00:00:00Z): what absent commit signatures carry. */
export const GO_ZERO_TIME: Timestamp = Object.freeze({ seconds: -62135596800n, nanos: 0 });
/** Years Go's RFC 3339 layout can print with four digits. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function isZeroTime(time: Timestamp): boolean {
  return time.seconds === GO_ZERO_TIME.seconds && time.nanos === 0;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

export function timestampToNanos(time: Timestamp): bigint {
  return time.seconds * 1_000_000_000n + BigInt(time.nanos);
}

export function timestampFromNanos(nanos: bigint): Timestamp {
  let seconds = nanos / 1_000_000_000n;
  let rest = nanos % 1_000_000_000n;
  if (rest < 0n) {
    seconds -= 1n;
    rest += 1_000_000_000n;
  }
  return { seconds, nanos: Number(rest) };
}

export function timestampFromDate(date: Date): Timestamp {
  return timestampFromNanos(BigInt(date.getTime()) * 1_000_000n);
}

// Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian calendar arithmetic,
// valid from year 1 (Date.UTC maps years 0-99 to 1900-1999).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function pad(value: number, width: number): string {
  return value.toString().padStart(width, "0");
}

/** `2025-08-18T13:39:10.618857Z`, exactly as CometBFT's JSON prints a time. */
export function formatTimestamp(time: Timestamp): string {
  if (!Number.isInteger(time.nanos) || time.nanos < 0 || time.nanos >= NANOS_PER_SECOND)
    throw new TimestampError(`timestamp nanos out of range: ${time.nanos}`);
  const days = Number(floorDiv(time.seconds, BigInt(SECONDS_PER_DAY)));
  const secondOfDay = Number(time.seconds - BigInt(days) * BigInt(SECONDS_PER_DAY));
  const { year, month, day } = civilFromDays(days);
  if (year < MIN_YEAR || year > MAX_YEAR) throw new TimestampError(`timestamp year out of range: ${year}`);
  const hours = Math.floor(secondOfDay / 3600);
  const minutes = Math.floor((secondOfDay % 3600) / 60);
  const seconds = secondOfDay % 60;
  const base = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}`;
  if (time.nanos === 0) return `${base}Z`;
  return `${base}.${pad(time.nanos, 9).replace(/0+$/, "")}Z`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Parses RFC 3339 with 0-9 fractional digits and a Z or ±hh:mm offset; the result is UTC. */
export function parseTimestamp(text: string): Timestamp {
  const match = RFC3339.exec(text);
  if (match === null) throw new TimestampError(`invalid RFC 3339 time: ${JSON.stringify(text.slice(0, 40))}`);
  const [year, month, day, hours, minutes, seconds] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (
    year < MIN_YEAR ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > lastDayOfMonth(year, month) ||
    hours > 23 ||
    minutes > 59 ||
    seconds > 59
  )
    throw new TimestampError(`invalid RFC 3339 time: ${JSON.stringify(text)}`);
  const nanos = match[7] === undefined ? 0 : Number(match[7].padEnd(9, "0"));
  let offsetSeconds = 0;
  if (match[8] === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMinutes = Number(match[11]);
    if (offsetHours > 23 || offsetMinutes > 59)
      throw new TimestampError(`invalid time zone offset in ${text}`);
    offsetSeconds = (match[9] === "-" ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const total =
    BigInt(daysFromCivil(year, month, day)) * BigInt(SECONDS_PER_DAY) +
    BigInt(hours * 3600 + minutes * 60 + seconds - offsetSeconds);
  return { seconds: total, nanos };
}

function lastDayOfMonth(year: number, month: number): number {
  const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return next - daysFromCivil(year, month, 1);
}
