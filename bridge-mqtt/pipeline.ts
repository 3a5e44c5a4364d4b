// One reading from a device, from payload to disk (README.md, Pipeline): decode and check it, look
// up the device, verify its signature against the registered key, refuse skewed clocks and replays,
// then append it durably. Resolves once stored; throws ReadingRejected (answer the device) or
// BridgeUnavailable / RegistryUnavailable (do not acknowledge: the device resends).
// A device failing over from another validator may resend a reading this node already has by gossip:
// the same bytes under a used sequence are a duplicate (stored already: acknowledged, no error).
import type { Reading } from "../modules/meter/reading.ts";
import { ReadingRejected } from "./errors.ts";
import {
  decodeCanonicalReading,
  decodeReadingPayload,
  encodeReadingBytes,
  validateReading,
} from "./reading-codec.ts";
import type { ReadingStore } from "./reading-store.ts";
import type { DeviceRegistry } from "./registry.ts";
import { type DeviceVerifier, startDeviceVerifier } from "./verify-pool.ts";

/** How far ahead of the bridge's clock a reading may be, ms (device clock drift). */
export const READING_MAX_FUTURE_MS = 30_000n;
/** How old a reading may be when it arrives, ms: a device may buffer an outage of up to an hour and
 * still land inside its day's commitment grace period (part 2 ties the two together). */
export const READING_MAX_AGE_MS = 3_600_000n;

/** What the pipeline counts besides the broker's accepted/rejected counters. */
export interface PipelineCounters {
  /** Readings a device sent that were stored already (same device, sequence and bytes): acknowledged
   * without an error and not stored again (the broker counts them as accepted too). */
  duplicates: number;
}

export class ReadingPipeline {
  readonly counters: PipelineCounters = { duplicates: 0 };
  readonly #registry: DeviceRegistry;
  readonly #store: ReadingStore;
  readonly #now: () => number;
  readonly #verifier: DeviceVerifier;
  /** Per device, the tail of its admissions: a device's readings are admitted in arrival order even
   * when a registry lookup is slow (otherwise sequence 6 could overtake 5 and make it a "replay"). */
  readonly #admissions = new Map<string, Promise<unknown>>();

  constructor(options: {
    registry: DeviceRegistry;
    store: ReadingStore;
    now?: () => number;
    /** Device signature checks (verify-pool.ts); default: on the main thread. */
    verifier?: DeviceVerifier;
  }) {
    this.#registry = options.registry;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#verifier = options.verifier ?? startDeviceVerifier(0);
  }

  /** Admits and stores one payload published on `deviceId`'s readings topic. */
  async accept(deviceId: string, payload: Uint8Array): Promise<Reading> {
    const previous = this.#admissions.get(deviceId);
    const admit = () => this.#admit(deviceId, payload);
    // The common case (no reading of this device still being admitted) starts at once.
    const admitted = previous === undefined ? admit() : previous.then(admit, admit);
    this.#admissions.set(deviceId, admitted);
    try {
      const { reading, bytes, duplicate } = await admitted;
      if (duplicate) this.counters.duplicates++;
      else await this.#store.append(reading, bytes);
      return reading;
    } finally {
      if (this.#admissions.get(deviceId) === admitted) this.#admissions.delete(deviceId);
    }
  }

  async #admit(
    deviceId: string,
    payload: Uint8Array,
  ): Promise<{ reading: Reading; bytes: Uint8Array; duplicate: boolean }> {
    // A canonical payload (what a device encoding as the meter module sends) is decoded in one pass
    // and is its own canonical bytes; anything else is decoded, then encoded once.
    const canonical = decodeCanonicalReading(payload);
    const reading = canonical?.reading ?? decodeReadingPayload(payload);
    validateReading(reading, deviceId);
    // A connected device is in the registry's cache: no await (and no promise) for it.
    const device = this.#registry.cachedDevice(deviceId) ?? (await this.#registry.device(deviceId));
    if (device === undefined)
      throw new ReadingRejected("unknown_device", `device ${deviceId} is not registered`);
    if (device.status !== "active")
      throw new ReadingRejected("retired_device", `device ${deviceId} is retired`);
    // The signed bytes are a prefix of the canonical bytes the store keeps.
    const { canonical: bytes, signed } = canonical?.bytes ?? encodeReadingBytes(reading);
    if (!(await this.#verifier.verify(device.publicKey, signed, reading.signature)))
      throw new ReadingRejected("bad_signature", "signature does not verify with the registered key");
    const nowMs = BigInt(this.#now());
    const ahead = reading.timestampMs > nowMs + READING_MAX_FUTURE_MS;
    const old = reading.timestampMs < nowMs - READING_MAX_AGE_MS;
    if (!ahead && !old && this.#store.reserve(deviceId, reading.sequence))
      return { reading, bytes, duplicate: false };
    // Stored already with the same bytes (it came by gossip, or this is a resend): a duplicate, even
    // when it is now too old for the clock check.
    const stored = await this.#store.storedBytes(deviceId, reading.sequence);
    if (stored !== undefined && Buffer.from(stored).equals(bytes)) return { reading, bytes, duplicate: true };
    if (ahead) throw new ReadingRejected("skew", `timestamp is more than ${READING_MAX_FUTURE_MS} ms ahead`);
    if (old) throw new ReadingRejected("skew", `timestamp is more than ${READING_MAX_AGE_MS} ms old`);
    throw new ReadingRejected("replay", `sequence ${reading.sequence} is not above the last accepted`);
  }
}
