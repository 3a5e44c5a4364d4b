// The device registry as the bridge sees it: the device module's Device query through the app's
// query path (in the node: app.query; elsewhere: a node's abci_query), cached. An entry is dropped
// when a committed tx emits a device event naming it (retire, rotate key, transfer) and after a TTL
// in any case (REGISTRY_CACHE_TTL_MS, so a bridge without chain events still sees changes; longer
// when the node's events feed the cache).
import { type Device, deviceFromProto, pb } from "../modules/device/codec.ts";
import { DeviceCode } from "../modules/device/errors.ts";
import { QUERY_DEVICE } from "../modules/device/type-urls.ts";

/** The device module's path, under the name test fakes of the query use. */
export { QUERY_DEVICE as DEVICE_QUERY_PATH };
/** Most cached devices (one per connected device is the working set; 10x the 10,000 target). */
export const MAX_CACHED_DEVICES = 100_000;
/** How long a cached record is trusted without an event, ms: a missed event (or a bridge reading a
 * remote node) lets a retired device publish at most this long. */
export const REGISTRY_CACHE_TTL_MS = 10_000;
/** The same for a bridge inside a node, whose committed device events reach the cache in process
 * (chain/node/events.ts, every committed block) and drop a changed record at once: the TTL is then
 * only a backstop against a bug in that path. Each expiry costs a registry query through app.query
 * (~200 µs of the main thread, a LevelDB iterator per state read) and holds that reading until it
 * answers: 10,000 connected devices cost 1,000 queries a second at 10 s (8% of the node's main
 * thread in a 3,000-device profile), 167 at 60 s (~3 µs per reading), 17 at 10 min. */
export const REGISTRY_CACHE_TTL_WITH_EVENTS_MS = 600_000;

export type QueryFunction = (path: string, data: Uint8Array) => Promise<{ code: number; value: Uint8Array }>;

export class RegistryUnavailable extends Error {
  readonly code = "registry_unavailable";
}

export class DeviceRegistry {
  readonly #query: QueryFunction;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { device: Device; loadedMs: number }>();

  /** `ttlMs`: REGISTRY_CACHE_TTL_MS unless committed device events feed onEvents. */
  constructor(options: { query: QueryFunction; now?: () => number; ttlMs?: number }) {
    this.#query = options.query;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? REGISTRY_CACHE_TTL_MS;
  }

  /** The device's record when it is cached and fresh (synchronous: the pipeline's common case);
   * undefined otherwise (then ask `device`). */
  cachedDevice(id: string): Device | undefined {
    const cached = this.#cache.get(id);
    return cached !== undefined && this.#now() - cached.loadedMs < this.#ttlMs ? cached.device : undefined;
  }

  /** The device's record, undefined when it is not registered. */
  async device(id: string): Promise<Device | undefined> {
    const cached = this.cachedDevice(id);
    if (cached !== undefined) return cached;
    const response = await this.#query(QUERY_DEVICE, pb.QueryDeviceRequest.encode({ deviceId: id }).finish());
    if (response.code === DeviceCode.deviceNotFound.code) {
      this.#cache.delete(id);
      return undefined;
    }
    if (response.code !== 0) throw new RegistryUnavailable(`device query failed with code ${response.code}`);
    const message = pb.QueryDeviceResponse.decode(response.value).device;
    if (message === null || message === undefined)
      throw new RegistryUnavailable("device query gave no device");
    const device = deviceFromProto(message);
    this.#cache.delete(id);
    if (this.#cache.size >= MAX_CACHED_DEVICES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, { device, loadedMs: this.#now() });
    return device;
  }

  invalidate(id: string): void {
    this.#cache.delete(id);
  }

  /** Drops devices named by `device_id` in committed device-module events. */
  onEvents(events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[]): void {
    for (const event of events) {
      if (!event.type.startsWith("sensorchain.device.v1.")) continue;
      for (const attribute of event.attributes)
        if (attribute.key === "device_id") this.invalidate(attribute.value);
    }
  }
}
