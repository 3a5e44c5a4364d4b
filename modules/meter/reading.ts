// The device-signed Reading (README.md, Reading leaf): canonical bytes, the bytes a device signs, and
// the CommitmentBody validators compute from a day's readings (root, count, aggregates, first and
// last timestamps). The MQTT bridge and tests build commitments with commitmentBodyOf.
import { readingProofs, readingsRoot } from "../../light-client/reading-inclusion.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { type Aggregate, type CommitmentBody, pb } from "./codec.ts";
import { addDecimals, compareDecimals } from "./decimal.ts";
import { MILLISECONDS_PER_DAY } from "./keys.ts";

export interface ReadingValue {
  name: string;
  unit: string;
  /** Canonical decimal string (decimal.ts). */
  value: string;
}

export interface Reading {
  deviceId: string;
  sequence: bigint;
  /** Device clock, Unix milliseconds UTC. */
  timestampMs: bigint;
  values: ReadingValue[];
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

function toProto(reading: Reading) {
  return {
    deviceId: reading.deviceId,
    sequence: toLong(reading.sequence),
    timestampMs: toLong(reading.timestampMs),
    values: reading.values.map((v) => ({ ...v })),
    ciphertext: reading.ciphertext,
    signature: reading.signature,
  };
}

/** Canonical bytes of the whole reading: what the Merkle leaf item hashes. */
export function encodeReading(reading: Reading): Uint8Array {
  return encodeCanonical(pb.Reading, toProto(reading));
}

/** What the device signs: the canonical bytes with `signature` empty. */
export function readingSignBytes(reading: Reading): Uint8Array {
  return encodeCanonical(pb.Reading, toProto({ ...reading, signature: new Uint8Array(0) }));
}

/** Math.min/max do not take bigints. */
const earlier = (a: bigint, b: bigint): bigint => (a <= b ? a : b);
const later = (a: bigint, b: bigint): bigint => (a >= b ? a : b);

/** UTC day (days since the epoch) of a device timestamp. */
export function dayOf(timestampMs: bigint): bigint {
  return timestampMs / MILLISECONDS_PER_DAY;
}

/** Sum, min and max per value name, sorted by name; the unit is the first reading's. */
export function aggregateReadings(readings: readonly Reading[]): Aggregate[] {
  const byName = new Map<string, Aggregate>();
  for (const reading of readings)
    for (const { name, unit, value } of reading.values) {
      const current = byName.get(name);
      if (current === undefined) byName.set(name, { name, unit, sum: value, min: value, max: value });
      else {
        current.sum = addDecimals(current.sum, value);
        if (compareDecimals(value, current.min) < 0) current.min = value;
        if (compareDecimals(value, current.max) > 0) current.max = value;
      }
    }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The body for one device-day: readings sorted by sequence, all of that device and day. */
export function commitmentBodyOf(
  deviceId: string,
  day: bigint,
  readings: readonly Reading[],
): CommitmentBody {
  if (readings.length === 0) throw new RangeError("a commitment needs at least one reading");
  const sorted = [...readings].sort((a, b) =>
    a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0,
  );
  for (const [i, reading] of sorted.entries()) {
    if (reading.deviceId !== deviceId)
      throw new RangeError(`reading of ${reading.deviceId} in ${deviceId}'s day`);
    if (dayOf(reading.timestampMs) !== day)
      throw new RangeError(`reading ${reading.sequence} is not of day ${day}`);
    if (i > 0 && sorted[i - 1]!.sequence === reading.sequence)
      throw new RangeError(`sequence ${reading.sequence} appears twice`);
  }
  const timestamps = sorted.map((r) => r.timestampMs);
  return {
    deviceId,
    day,
    root: readingsRoot(sorted.map(encodeReading)),
    count: BigInt(sorted.length),
    aggregates: aggregateReadings(sorted),
    firstTimestampMs: timestamps.reduce(earlier),
    lastTimestampMs: timestamps.reduce(later),
  };
}

/** Inclusion proofs of a day's readings, in sequence order (for the bridge and auditors). */
export function dayProofs(readings: readonly Reading[]) {
  const sorted = [...readings].sort((a, b) =>
    a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0,
  );
  return { sorted, ...readingProofs(sorted.map(encodeReading)) };
}
