// One reading from a device, from payload to disk (README.md, Pipeline): decode and check it, look
// up the device, verify its signature against the registered key, refuse skewed clocks and replays,
// then append it durably. Resolves once stored; throws ReadingRejected (answer the device) or
// BridgeUnavailable / RegistryUnavailable (do not acknowledge: the device resends).
// A device failing over from another validator may resend a reading this node already has by gossip:
// the same bytes under a used sequence are a duplicate (stored already: acknowledged, no error).

import type { Device } from "../modules/device/codec.ts";
import type { Reading } from "../modules/meter/reading.ts";
import { ReadingRejected } from "./errors.ts";
import {
  decodeCanonicalReading,
  decodeReadingPayload,
  encodeReadingBytes,
  type ReadingBytes,
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
const MAX_FUTURE_MS = Number(READING_MAX_FUTURE_MS);
const MAX_AGE_MS = Number(READING_MAX_AGE_MS);

/** What the pipeline counts besides the broker's accepted/rejected counters. */
export interface PipelineCounters {
  /** Readings a device sent that were stored already (same device, sequence and bytes): acknowledged
   * without an error and not stored again (the broker counts them as accepted too). */
  duplicates: number;
}

/** How an admission ends: stored (or a duplicate of a stored reading), or the error (ReadingRejected:
 * answer the device; anything else: do not acknowledge). */
export type AdmitDone = (error: Error | undefined, reading?: Reading) => void;

/** A reading waiting for its device's previous admission. */
interface Waiting {
  payload: Uint8Array;
  done: AdmitDone;
}

export class ReadingPipeline {
  readonly counters: PipelineCounters = { duplicates: 0 };
  readonly #registry: DeviceRegistry;
  readonly #store: ReadingStore;
  readonly #now: () => number;
  readonly #verifier: DeviceVerifier;
  /** Devices with an admission under way, and the readings waiting behind it (null: none): a device's
   * readings are admitted in arrival order even when a registry lookup or a verification is slow
   * (otherwise sequence 6 could overtake 5 and make it a "replay"). */
  readonly #admitting = new Map<string, Waiting[] | null>();

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

  /** A device logged in: what its readings need (the verify threads, its last sequence from disk)
   * is started now, not by its first reading. */
  prepare(deviceId: string): void {
    this.#verifier.warm();
    // A failure here is the first reading's to report (it loads again).
    this.#store.load(deviceId)?.catch(() => {});
  }

  /** Admits and stores one payload published on `deviceId`'s readings topic. */
  accept(deviceId: string, payload: Uint8Array): Promise<Reading> {
    return new Promise((resolve, reject) =>
      this.admit(deviceId, payload, (error, reading) =>
        error === undefined ? resolve(reading!) : reject(error),
      ),
    );
  }

  /** As accept, answering `done` (the reading path: no promise per reading). `done` may be called
   * before admit returns (a malformed payload, a verification on the main thread). */
  admit(deviceId: string, payload: Uint8Array, done: AdmitDone): void {
    const waiting = this.#admitting.get(deviceId);
    if (waiting === undefined) {
      // The common case (no reading of this device under way) starts at once.
      this.#admitting.set(deviceId, null);
      this.#start(deviceId, payload, done);
    } else if (waiting === null) this.#admitting.set(deviceId, [{ payload, done }]);
    else waiting.push({ payload, done });
  }

  /** The device's admission reached its verdict (reserved, or refused): the next may start. */
  #next(deviceId: string): void {
    const waiting = this.#admitting.get(deviceId);
    const next = waiting?.shift();
    if (next === undefined) {
      this.#admitting.delete(deviceId);
      return;
    }
    if (waiting!.length === 0) this.#admitting.set(deviceId, null);
    // In a later microtask, as a promise chain would: a device's queued readings that fail at once
    // (a closed store, a main-thread verifier) must not recurse one stack frame set per reading.
    queueMicrotask(() => this.#start(deviceId, next.payload, next.done));
  }

  #start(deviceId: string, payload: Uint8Array, done: AdmitDone): void {
    let reading: Reading;
    let canonical: ReturnType<typeof decodeCanonicalReading>;
    try {
      // A canonical payload (what a device encoding as the meter module does sends) is decoded in
      // one pass and is its own canonical bytes; anything else is decoded, then encoded once.
      canonical = decodeCanonicalReading(payload);
      reading = canonical?.reading ?? decodeReadingPayload(payload);
      validateReading(reading, deviceId);
    } catch (error) {
      this.#next(deviceId);
      done(error as Error);
      return;
    }
    // A connected device is in the registry's cache: no promise for it.
    const device = this.#registry.cachedDevice(deviceId);
    if (device !== undefined) {
      this.#verify(deviceId, reading, canonical?.bytes, device, done);
      return;
    }
    this.#registry.device(deviceId).then(
      (found) => this.#verify(deviceId, reading, canonical?.bytes, found, done),
      (error: unknown) => {
        this.#next(deviceId);
        done(error as Error);
      },
    );
  }

  #verify(
    deviceId: string,
    reading: Reading,
    canonicalBytes: ReadingBytes | undefined,
    device: Device | undefined,
    done: AdmitDone,
  ): void {
    let refusal: ReadingRejected | undefined;
    if (device === undefined)
      refusal = new ReadingRejected("unknown_device", `device ${deviceId} is not registered`);
    else if (device.status !== "active")
      refusal = new ReadingRejected("retired_device", `device ${deviceId} is retired`);
    if (refusal !== undefined) {
      this.#next(deviceId);
      done(refusal);
      return;
    }
    // The signed bytes are a prefix of the canonical bytes the store keeps.
    const { canonical: bytes, signed } = canonicalBytes ?? encodeReadingBytes(reading);
    this.#verifier.check(device!.publicKey, signed, reading.signature, (error, valid) => {
      if (error !== undefined || !valid) {
        this.#next(deviceId);
        return done(
          error ?? new ReadingRejected("bad_signature", "signature does not verify with the registered key"),
        );
      }
      this.#admitVerified(deviceId, reading, bytes, done);
    });
  }

  #admitVerified(deviceId: string, reading: Reading, bytes: Uint8Array, done: AdmitDone): void {
    // In numbers, not BigInts (three of garbage per reading): exact, as the clock is far below 2^53
    // and a timestamp above it is ahead either way.
    // The device's last sequence is read from disk once per process (at login, normally done).
    const loading = this.#store.load(deviceId);
    if (loading !== undefined) {
      loading.then(
        () => this.#admitVerified(deviceId, reading, bytes, done),
        (error: unknown) => {
          this.#next(deviceId);
          done(error as Error);
        },
      );
      return;
    }
    const nowMs = this.#now();
    const timestampMs = Number(reading.timestampMs);
    const ahead = timestampMs > nowMs + MAX_FUTURE_MS;
    const old = timestampMs < nowMs - MAX_AGE_MS;
    if (!ahead && !old && this.#store.reserve(deviceId, reading.sequence)) {
      this.#next(deviceId);
      this.#store.add(reading, bytes, (error) => done(error, reading));
      return;
    }
    // Stored already with the same bytes (it came by gossip, or this is a resend): a duplicate, even
    // when it is now too old for the clock check.
    this.#store.storedBytes(deviceId, reading.sequence).then(
      (stored) => {
        this.#next(deviceId);
        if (stored !== undefined && Buffer.from(stored).equals(bytes)) {
          this.counters.duplicates++;
          return done(undefined, reading);
        }
        if (ahead)
          done(new ReadingRejected("skew", `timestamp is more than ${READING_MAX_FUTURE_MS} ms ahead`));
        else if (old)
          done(new ReadingRejected("skew", `timestamp is more than ${READING_MAX_AGE_MS} ms old`));
        else
          done(new ReadingRejected("replay", `sequence ${reading.sequence} is not above the last accepted`));
      },
      (error: unknown) => {
        this.#next(deviceId);
        done(error as Error);
      },
    );
  }
}
