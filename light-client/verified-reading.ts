// A reading verified through the whole chain of trust: reading bytes → its inclusion path → the
// root of its device-day's final commitment → a store proof of that commitment → the app hash of a
// header light-verified from the root of trust → the validator sets that signed it. Yes or no, with
// the reason for a no. The day's commitment was backed by > 2/3 of the validator power, and the
// validators checked every reading's device signature before committing its root.
import type { Timestamp } from "../chain/types/block.ts";
import { sensorchain as meterPb } from "../proto/gen/meter.js";
import type { LightClient } from "./client.ts";
import { DEVICE_ID_PATTERN } from "./keys.ts";
import { type VerifiedCommitment, verifiedCommitment } from "./module-queries.ts";
import type { QueryOptions } from "./queries.ts";
import { type ReadingInclusionProof, verifyReadingInclusion } from "./reading-inclusion.ts";

const MILLISECONDS_PER_DAY = 86_400_000n;

export type ReadingVerdict =
  | {
      verified: true;
      deviceId: string;
      day: bigint;
      sequence: bigint;
      commitment: VerifiedCommitment;
      height: bigint;
    }
  | {
      verified: false;
      /** not_a_reading: the bytes do not decode as a Reading; day_not_final: the day has no final
       * commitment at the verified height; not_in_commitment: the path does not lead from these
       * bytes to the committed root (changed reading, wrong path, index or total). */
      reason: "not_a_reading" | "day_not_final" | "not_in_commitment";
      height?: bigint;
    };

/** Light client refusals (a lying node, an unverifiable header) throw LightClientError; a reading
 * that simply is not part of the chain's record is a `verified: false` verdict. */
export async function verifyReadingOnChain(
  client: LightClient,
  readingBytes: Uint8Array,
  proof: ReadingInclusionProof,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<ReadingVerdict> {
  let deviceId: string;
  let timestampMs: bigint;
  let sequence: bigint;
  try {
    const reading = meterPb.meter.v1.Reading.decode(readingBytes);
    deviceId = reading.deviceId ?? "";
    timestampMs = BigInt((reading.timestampMs ?? 0).toString());
    sequence = BigInt((reading.sequence ?? 0).toString());
  } catch {
    return { verified: false, reason: "not_a_reading" };
  }
  if (!DEVICE_ID_PATTERN.test(deviceId)) return { verified: false, reason: "not_a_reading" };
  const day = timestampMs / MILLISECONDS_PER_DAY;
  if (day > 0xffff_ffffn) return { verified: false, reason: "not_a_reading" };
  const { value: commitment, height } = await verifiedCommitment(client, deviceId, day, now, options);
  if (commitment === undefined) return { verified: false, reason: "day_not_final", height };
  if (!verifyReadingInclusion(readingBytes, proof, commitment))
    return { verified: false, reason: "not_in_commitment", height };
  return { verified: true, deviceId, day, sequence, commitment, height };
}
