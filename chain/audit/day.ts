// `audit day`: recomputes a device-day's root from raw readings (modules/meter/README.md: leaf =
// sha256(canonical Reading), RFC 6962 tree in sequence order) and compares it with the finalized
// commitment. Pure: the caller supplies the readings and the commitment body (queried or proven).
//
// A root cannot say which leaves it holds, so missing and extra readings are named by what the
// commitment does pin: readings of another device or day, repeated sequences and readings outside the
// body's first..last timestamps are extra; gaps in
// the sequence numbers between the first and last reading are missing (devices number readings
// consecutively); with one reading too many, removing each in turn finds the one the root excludes.

import {
  type ReadingInclusionProof,
  readingsRoot,
  verifyReadingInclusion,
} from "../../light-client/reading-inclusion.ts";
import type { CommitmentBody } from "../../modules/meter/codec.ts";
import { commitmentBodyOf, dayOf, encodeReading, type Reading } from "../../modules/meter/reading.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";

/** Readings up to which the one-extra search (n root computations of n leaves) is tried. */
export const MAX_EXTRA_SEARCH_READINGS = 5_000;

/**
 * Missing sequences listed, at most. The gap between two given readings is as wide as their
 * sequence numbers say, and one reading with a forged or corrupt sequence (say 2^63) would
 * otherwise make the audit enumerate billions of strings; a report of a thousand already says the
 * readings are incomplete.
 */
export const MAX_MISSING_SEQUENCES_LISTED = 1_000;

export interface DayAudit {
  match: boolean;
  expectedRoot: string;
  computedRoot: string;
  expectedCount: string;
  readings: number;
  /** Sequences that are not part of the committed day (other device/day, repeated, or excluded). */
  extra: string[];
  /** Sequences absent from the given readings (gaps between first and last), at most
   * MAX_MISSING_SEQUENCES_LISTED of them. */
  missing: string[];
}

export function auditDay(
  deviceId: string,
  day: bigint,
  given: readonly Reading[],
  body: CommitmentBody,
): DayAudit {
  const extra: string[] = [];
  const seen = new Set<bigint>();
  const kept: Reading[] = [];
  for (const reading of [...given].sort((a, b) =>
    a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0,
  )) {
    // The body's first and last timestamps come from the same readings as its root (and >2/3 of
    // the validators backed the whole body), so a reading outside them is not in the tree.
    const outside = reading.timestampMs < body.firstTimestampMs || reading.timestampMs > body.lastTimestampMs;
    if (
      reading.deviceId !== deviceId ||
      dayOf(reading.timestampMs) !== day ||
      seen.has(reading.sequence) ||
      outside
    ) {
      extra.push(String(reading.sequence));
      continue;
    }
    seen.add(reading.sequence);
    kept.push(reading);
  }
  const leaves = kept.map(encodeReading);
  const root = readingsRoot(leaves);
  let match = bytesEqual(root, body.root) && BigInt(kept.length) === body.count;
  const missing: string[] = [];
  if (!match && BigInt(kept.length) === body.count + 1n && kept.length <= MAX_EXTRA_SEARCH_READINGS) {
    for (let i = 0; i < leaves.length; i++) {
      if (bytesEqual(readingsRoot([...leaves.slice(0, i), ...leaves.slice(i + 1)]), body.root)) {
        extra.push(String(kept[i]!.sequence));
        break;
      }
    }
  }
  for (let i = 1; i < kept.length; i++)
    for (
      let s = kept[i - 1]!.sequence + 1n;
      s < kept[i]!.sequence && missing.length < MAX_MISSING_SEQUENCES_LISTED;
      s++
    )
      missing.push(String(s));
  match = match && extra.length === 0;
  return {
    match,
    expectedRoot: toHex(body.root),
    computedRoot: toHex(root),
    expectedCount: String(body.count),
    readings: given.length,
    extra,
    missing,
  };
}

/** Why a reading of the audited device-day does not belong to the commitment on its own. */
export type MismatchReason =
  /** Its signature does not verify with the device's registered key. */
  | "bad_signature"
  /** It came with an inclusion path that does not lead to the committed root. */
  | "not_in_commitment";

export interface MismatchingReading {
  sequence: string;
  reason: MismatchReason;
}

/** Readings named one by one: paths given with readings checked against the committed root, and
 * signatures against the device key when a verifier is given. A changed reading keeps its sequence,
 * so the root alone cannot name it; either check can. */
export function mismatchingReadings(
  deviceId: string,
  day: bigint,
  given: readonly { reading: Reading; proof?: ReadingInclusionProof }[],
  body: CommitmentBody,
  verifySignature?: (reading: Reading) => boolean,
): MismatchingReading[] {
  const found: MismatchingReading[] = [];
  for (const { reading, proof } of given) {
    if (reading.deviceId !== deviceId || dayOf(reading.timestampMs) !== day) continue;
    const sequence = String(reading.sequence);
    if (verifySignature !== undefined && !verifySignature(reading))
      found.push({ sequence, reason: "bad_signature" });
    else if (proof !== undefined && !verifyReadingInclusion(encodeReading(reading), proof, body))
      found.push({ sequence, reason: "not_in_commitment" });
  }
  return found.sort((a, b) => (BigInt(a.sequence) < BigInt(b.sequence) ? -1 : 1));
}

/** Body fields besides root and count that differ from the ones recomputed from the readings: with
 * the right readings, a commitment whose aggregates or timestamps are false is named here. */
export function bodyFieldMismatches(
  deviceId: string,
  day: bigint,
  given: readonly Reading[],
  body: CommitmentBody,
): string[] {
  const kept = given.filter((r) => r.deviceId === deviceId && dayOf(r.timestampMs) === day);
  const unique = [...new Map(kept.map((r) => [r.sequence, r])).values()];
  if (unique.length === 0) return [];
  const computed = commitmentBodyOf(deviceId, day, unique);
  const fields: string[] = [];
  const sameAggregates =
    computed.aggregates.length === body.aggregates.length &&
    computed.aggregates.every((a, i) => {
      const b = body.aggregates[i]!;
      return a.name === b.name && a.unit === b.unit && a.sum === b.sum && a.min === b.min && a.max === b.max;
    });
  if (!sameAggregates) fields.push("aggregates");
  if (computed.firstTimestampMs !== body.firstTimestampMs) fields.push("first_timestamp_ms");
  if (computed.lastTimestampMs !== body.lastTimestampMs) fields.push("last_timestamp_ms");
  return fields;
}
