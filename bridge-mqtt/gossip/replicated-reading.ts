// The checks on a reading that another validator stored (a gossiped batch or a repair response),
// before this node stores it: canonical Reading bytes, the reading checks devices get, a registered
// device, its device signature, and a sanity bound on its clock. No age rule: another validator
// admitted it on time, and repair fetches past days on purpose.
import type { DevicePublicKey } from "../../modules/device/codec.ts";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import { dayOf, encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";
import { ReadingRejected } from "../errors.ts";
import { READING_MAX_FUTURE_MS } from "../pipeline.ts";
import { decodeReadingPayload, validateReading } from "../reading-codec.ts";
import type { ReplicatedReading } from "../reading-store.ts";
import type { DeviceRegistry } from "../registry.ts";
import { ReplicatedReadingDropped } from "./errors.ts";

/** How a device signature is checked (verifyDeviceSignature; a worker pool may stand in). */
export type VerifyDeviceSignature = (
  publicKey: DevicePublicKey,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean | Promise<boolean>;

export interface ReadingCheckContext {
  registry: DeviceRegistry;
  verify: VerifyDeviceSignature;
  /** This node's clock, Unix ms. */
  nowMs: number;
  /** Registry lookups of this batch or page by device id: its readings are checked concurrently,
   * and one lookup per device (not one per reading) keeps a cold cache from firing hundreds of
   * queries at once. Bounded by the batch size. */
  lookups: Map<string, ReturnType<DeviceRegistry["device"]>>;
}

/** A check context for one batch or repair page. */
export function checkContext(
  registry: DeviceRegistry,
  verify: VerifyDeviceSignature,
  nowMs: number,
): ReadingCheckContext {
  return { registry, verify, nowMs, lookups: new Map() };
}

function lookUp(context: ReadingCheckContext, deviceId: string): ReturnType<DeviceRegistry["device"]> {
  let lookup = context.lookups.get(deviceId);
  if (lookup === undefined) {
    lookup = context.registry.device(deviceId);
    context.lookups.set(deviceId, lookup);
  }
  return lookup;
}

const dropped = (code: ReplicatedReadingDropped["code"], message: string) =>
  new ReplicatedReadingDropped(code, message);

/** Decodes and checks one replicated reading; `expect` pins its device and UTC day (repair). Throws
 * ReplicatedReadingDropped. */
export async function checkReplicatedReading(
  bytes: Uint8Array,
  context: ReadingCheckContext,
  expect?: { deviceId: string; day: bigint },
): Promise<ReplicatedReading> {
  let reading: Reading;
  try {
    // Canonical Reading bytes start with field 1's tag (0x0a), never "{": always the protobuf form.
    reading = decodeReadingPayload(bytes);
    if (!DEVICE_ID_PATTERN.test(reading.deviceId)) throw dropped("malformed", "not a device id");
    validateReading(reading, reading.deviceId);
  } catch (error) {
    if (error instanceof ReadingRejected) throw dropped("malformed", error.message);
    throw error;
  }
  if (!Buffer.from(encodeReading(reading)).equals(bytes))
    throw dropped("not_canonical", "reading bytes are not canonical");
  if (
    expect !== undefined &&
    (reading.deviceId !== expect.deviceId || dayOf(reading.timestampMs) !== expect.day)
  )
    throw dropped(
      "wrong_day",
      `reading of ${reading.deviceId} is not of ${expect.deviceId}'s day ${expect.day}`,
    );
  if (reading.timestampMs > BigInt(context.nowMs) + READING_MAX_FUTURE_MS)
    throw dropped("future", `timestamp is more than ${READING_MAX_FUTURE_MS} ms ahead`);
  let device: Awaited<ReturnType<DeviceRegistry["device"]>>;
  try {
    device = await lookUp(context, reading.deviceId);
  } catch (error) {
    throw dropped("registry_unavailable", (error as Error).message);
  }
  // Retired devices' readings stay acceptable: they were sent before the retirement reached the
  // validator that stored them (its pipeline refuses retired devices).
  if (device === undefined) throw dropped("unknown_device", `device ${reading.deviceId} is not registered`);
  let valid: boolean;
  try {
    valid = await context.verify(device.publicKey, readingSignBytes(reading), reading.signature);
  } catch (error) {
    // The worker pool's queue is full or it is closing: not the reading's fault.
    throw dropped("verifier_unavailable", (error as Error).message);
  }
  if (!valid) throw dropped("bad_signature", "device signature does not verify with the registered key");
  return { reading, bytes };
}
