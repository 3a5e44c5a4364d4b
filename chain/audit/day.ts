// `audit day`: recomputes a device-day's root from raw readings (modules/meter/README.md: leaf =
// sha256(canonical Reading), RFC 6962 tree in sequence order) and compares it with the finalized
// commitment. Pure: the caller supplies the readings and the commitment body (queried or proven).
//
// A root cannot say which leaves it holds, so missing and extra readings are named by what the
// commitment does pin: readings of another device or day and repeated sequences are extra; gaps in
// the sequence numbers between the first and last reading are missing (devices number readings
// consecutively); with one reading too many, removing each in turn finds the one the root excludes.

import { readingsRoot } from "../../light-client/reading-inclusion.ts";
import type { CommitmentBody } from "../../modules/meter/codec.ts";
import { dayOf, encodeReading, type Reading } from "../../modules/meter/reading.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";

/** Readings up to which the one-extra search (n root computations of n leaves) is tried. */
export const MAX_EXTRA_SEARCH_READINGS = 5_000;

export interface DayAudit {
  match: boolean;
  expectedRoot: string;
  computedRoot: string;
  expectedCount: string;
  readings: number;
  /** Sequences that are not part of the committed day (other device/day, repeated, or excluded). */
  extra: string[];
  /** Sequences absent from the given readings (gaps between first and last). */
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
    if (reading.deviceId !== deviceId || dayOf(reading.timestampMs) !== day || seen.has(reading.sequence)) {
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
    for (let s = kept[i - 1]!.sequence + 1n; s < kept[i]!.sequence && missing.length < 1000; s++)
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
