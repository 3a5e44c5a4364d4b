// Stateless checks of meter messages and genesis records (validateBasic): addresses, device ids,
// commitment bodies (root size, count, timestamps inside the day, aggregates). README.md, Failures.
import type { sensorchain } from "../../proto/gen/meter.js";
import { DEVICE_ID_PATTERN } from "../device/keys.ts";
import { checkAddress } from "../validation.ts";
import { bodyFromProto, type CommitmentBody } from "./codec.ts";
import { compareDecimals, isDecimal } from "./decimal.ts";
import { meterError } from "./errors.ts";
import {
  HASH_BYTES,
  MAX_AGGREGATES,
  MAX_DAY,
  MAX_READINGS_PER_DAY,
  MAX_UNIT_BYTES,
  MAX_VALUE_NAME_BYTES,
  MILLISECONDS_PER_DAY,
} from "./keys.ts";

const utf8 = new TextEncoder();

export { checkAddress };

export function checkDeviceId(id: string | null | undefined): string {
  if (typeof id !== "string" || !DEVICE_ID_PATTERN.test(id))
    throw meterError("invalidDeviceId", `${JSON.stringify(id ?? "")} is not SSSS_NNNN`);
  return id;
}

export function checkDay(day: number | bigint | null | undefined): bigint {
  const value = BigInt(day ?? 0);
  if (value < 0n || value > MAX_DAY) throw meterError("invalidCommitment", `day ${value} out of range`);
  return value;
}

export function checkHash(hash: Uint8Array | null | undefined, field: string): Uint8Array {
  if (hash === null || hash === undefined || hash.length !== HASH_BYTES)
    throw meterError("invalidCommitment", `${field} must be ${HASH_BYTES} bytes, got ${hash?.length ?? 0}`);
  return hash;
}

function invalid(detail: string): never {
  throw meterError("invalidCommitment", detail);
}

export function checkBody(message: sensorchain.meter.v1.ICommitmentBody | null | undefined): CommitmentBody {
  if (message === null || message === undefined) invalid("body is missing");
  const body = bodyFromProto(message);
  checkDeviceId(body.deviceId);
  checkDay(body.day);
  checkHash(body.root, "root");
  if (body.count < 1n || body.count > MAX_READINGS_PER_DAY)
    invalid(`count ${body.count} is not in 1..${MAX_READINGS_PER_DAY}`);
  const dayStart = body.day * MILLISECONDS_PER_DAY;
  const dayEnd = dayStart + MILLISECONDS_PER_DAY;
  if (
    body.firstTimestampMs < dayStart ||
    body.lastTimestampMs >= dayEnd ||
    body.firstTimestampMs > body.lastTimestampMs
  )
    invalid(
      `timestamps ${body.firstTimestampMs}..${body.lastTimestampMs} are not ordered inside day ${body.day}`,
    );
  if (body.aggregates.length > MAX_AGGREGATES) invalid(`more than ${MAX_AGGREGATES} aggregates`);
  for (const [i, aggregate] of body.aggregates.entries()) {
    const field = `aggregates[${i}]`;
    if (aggregate.name === "" || utf8.encode(aggregate.name).length > MAX_VALUE_NAME_BYTES)
      invalid(`${field}.name is empty or longer than ${MAX_VALUE_NAME_BYTES} bytes`);
    if (utf8.encode(aggregate.unit).length > MAX_UNIT_BYTES)
      invalid(`${field}.unit is longer than ${MAX_UNIT_BYTES} bytes`);
    if (i > 0 && body.aggregates[i - 1]!.name >= aggregate.name)
      invalid(`${field}: names must be sorted and unique`);
    for (const key of ["sum", "min", "max"] as const)
      if (!isDecimal(aggregate[key]))
        invalid(`${field}.${key} ${JSON.stringify(aggregate[key])} is not a canonical decimal`);
    if (compareDecimals(aggregate.min, aggregate.max) > 0) invalid(`${field}: min is above max`);
  }
  return body;
}
