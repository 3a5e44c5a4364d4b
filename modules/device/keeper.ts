// Device keeper: the registry's rules (who may change a device, what a retired device refuses) and
// its indexes (by owner, shared by sector) and counters. Message handlers are thin wrappers; other
// modules get DeviceReader.
import { formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import {
  type Device,
  type DeviceCounts,
  type DeviceMetadata,
  type DeviceParams,
  type DevicePublicKey,
  decodeCounts,
  decodeDevice,
  decodeParams,
  encodeCounts,
  encodeDevice,
  encodeParams,
  type ShareTerms,
} from "./codec.ts";
import { deviceError } from "./errors.ts";
import {
  AUTHORITY_KEY,
  DEVICE_PREFIX,
  deviceKey,
  INDEX_MARKER,
  ownerIndexKey,
  PARAMS_KEY,
  prefixEnd,
  STORE_NAME,
  sectorCountsKey,
  sectorOf,
  sharedIndexKey,
  TOTAL_COUNTS_KEY,
} from "./keys.ts";
import { DEFAULT_SECTOR_CODES } from "./sectors.ts";
import {
  EVENT_DEVICE_KEY_ROTATED,
  EVENT_DEVICE_METADATA_UPDATED,
  EVENT_DEVICE_OWNERSHIP_TRANSFERRED,
  EVENT_DEVICE_REGISTERED,
  EVENT_DEVICE_RETIRED,
  EVENT_DEVICE_SHARED,
  EVENT_DEVICE_UNSHARED,
  EVENT_PARAMS_UPDATED,
} from "./type-urls.ts";

/** What escrow, meter, market and the MQTT bridge need: a device by id (undefined if unknown).
 * Check `status === "active"` and `shared` yourself; retired devices are kept forever. */
export interface DeviceReader {
  getDevice(ctx: Context, id: string): Device | undefined;
}

export interface RegisterDevice {
  owner: string;
  id: string;
  publicKey: DevicePublicKey;
  metadata: DeviceMetadata;
}

type CountField = keyof DeviceCounts;

export class DeviceKeeper implements DeviceReader {
  getDevice(ctx: Context, id: string): Device | undefined {
    const bytes = ctx.store(STORE_NAME).get(deviceKey(id));
    return bytes === undefined ? undefined : decodeDevice(bytes);
  }

  params(ctx: Context): DeviceParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    return bytes === undefined ? { sectorCodes: [...DEFAULT_SECTOR_CODES] } : decodeParams(bytes);
  }

  setParams(ctx: Context, params: DeviceParams): void {
    ctx.store(STORE_NAME).set(PARAMS_KEY, encodeParams(params));
  }

  authority(ctx: Context): string | undefined {
    const bytes = ctx.store(STORE_NAME).get(AUTHORITY_KEY);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  setAuthority(ctx: Context, authority: string): void {
    ctx.store(STORE_NAME).set(AUTHORITY_KEY, new TextEncoder().encode(authority));
  }

  counts(ctx: Context, sector = ""): DeviceCounts {
    return decodeCounts(
      ctx.store(STORE_NAME).get(sector === "" ? TOTAL_COUNTS_KEY : sectorCountsKey(sector)),
    );
  }

  /** Adds deltas to the total and to the device's sector counters. */
  #count(ctx: Context, id: string, deltas: Partial<Record<CountField, bigint>>): void {
    for (const key of [TOTAL_COUNTS_KEY, sectorCountsKey(sectorOf(id))]) {
      const counts = decodeCounts(ctx.store(STORE_NAME).get(key));
      for (const [field, delta] of Object.entries(deltas) as [CountField, bigint][]) counts[field] += delta;
      ctx.store(STORE_NAME).set(key, encodeCounts(counts));
    }
  }

  #save(ctx: Context, device: Device): void {
    ctx.store(STORE_NAME).set(deviceKey(device.id), encodeDevice(device));
  }

  /** The device, if it exists, is owned by `owner` and is not retired. */
  #changeable(ctx: Context, owner: string, id: string): Device {
    const device = this.getDevice(ctx, id);
    if (device === undefined) throw deviceError("deviceNotFound", `device ${id}`);
    if (device.owner !== owner) throw deviceError("notOwner", `${owner} does not own device ${id}`);
    if (device.status === "retired") throw deviceError("deviceRetired", `device ${id}`);
    return device;
  }

  register(ctx: Context, input: RegisterDevice): Device {
    const sector = sectorOf(input.id);
    if (!this.params(ctx).sectorCodes.includes(sector))
      throw deviceError(
        "unknownSector",
        `sector ${sector} of device ${input.id} is not in params.sector_codes`,
      );
    if (ctx.store(STORE_NAME).has(deviceKey(input.id)))
      throw deviceError("deviceExists", `device ${input.id}`);
    const device: Device = {
      id: input.id,
      owner: input.owner,
      publicKey: input.publicKey,
      metadata: input.metadata,
      shared: false,
      shareTerms: undefined,
      status: "active",
      registrationHeight: ctx.height,
      keyRotationHeight: 0n,
    };
    this.#save(ctx, device);
    ctx.store(STORE_NAME).set(ownerIndexKey(device.owner, device.id), INDEX_MARKER);
    this.#count(ctx, device.id, { total: 1n, active: 1n });
    ctx.events.emit(EVENT_DEVICE_REGISTERED, {
      device_id: device.id,
      owner: device.owner,
      sector,
      key_type: device.publicKey.type,
    });
    return device;
  }

  updateMetadata(ctx: Context, owner: string, id: string, metadata: DeviceMetadata): void {
    const device = this.#changeable(ctx, owner, id);
    this.#save(ctx, { ...device, metadata });
    ctx.events.emit(EVENT_DEVICE_METADATA_UPDATED, { device_id: id, owner });
  }

  /** Shares the device, or replaces its terms when it is shared already. */
  share(ctx: Context, owner: string, id: string, terms: ShareTerms): void {
    const device = this.#changeable(ctx, owner, id);
    if (!device.shared) {
      ctx.store(STORE_NAME).set(sharedIndexKey(id), INDEX_MARKER);
      this.#count(ctx, id, { shared: 1n });
    }
    this.#save(ctx, { ...device, shared: true, shareTerms: terms });
    ctx.events.emit(EVENT_DEVICE_SHARED, {
      device_id: id,
      owner,
      sector: sectorOf(id),
      pricing: terms.unit,
      price: formatCoins([terms.price]),
    });
  }

  unshare(ctx: Context, owner: string, id: string): void {
    const device = this.#changeable(ctx, owner, id);
    if (!device.shared) throw deviceError("deviceNotShared", `device ${id}`);
    this.#unshareStored(ctx, device);
    ctx.events.emit(EVENT_DEVICE_UNSHARED, { device_id: id, owner });
  }

  #unshareStored(ctx: Context, device: Device): Device {
    ctx.store(STORE_NAME).delete(sharedIndexKey(device.id));
    this.#count(ctx, device.id, { shared: -1n });
    const unshared = { ...device, shared: false, shareTerms: undefined };
    this.#save(ctx, unshared);
    return unshared;
  }

  rotateKey(ctx: Context, owner: string, id: string, publicKey: DevicePublicKey): void {
    const device = this.#changeable(ctx, owner, id);
    if (device.publicKey.type === publicKey.type && bytesEqual(device.publicKey.key, publicKey.key))
      throw deviceError("sameKey", `device ${id}`);
    this.#save(ctx, { ...device, publicKey, keyRotationHeight: ctx.height });
    ctx.events.emit(EVENT_DEVICE_KEY_ROTATED, { device_id: id, owner, key_type: publicKey.type });
  }

  /** Moves the device (with its shared state and terms) to another owner. */
  transfer(ctx: Context, owner: string, id: string, newOwner: string): void {
    const device = this.#changeable(ctx, owner, id);
    if (newOwner === owner) throw deviceError("sameOwner", `device ${id}`);
    ctx.store(STORE_NAME).delete(ownerIndexKey(owner, id));
    ctx.store(STORE_NAME).set(ownerIndexKey(newOwner, id), INDEX_MARKER);
    this.#save(ctx, { ...device, owner: newOwner });
    ctx.events.emit(EVENT_DEVICE_OWNERSHIP_TRANSFERRED, {
      device_id: id,
      previous_owner: owner,
      new_owner: newOwner,
    });
  }

  /** Final: unshares the device and keeps its record (and id) forever. */
  retire(ctx: Context, owner: string, id: string): void {
    let device = this.#changeable(ctx, owner, id);
    if (device.shared) device = this.#unshareStored(ctx, device);
    this.#save(ctx, { ...device, status: "retired" });
    this.#count(ctx, id, { active: -1n, retired: 1n });
    ctx.events.emit(EVENT_DEVICE_RETIRED, { device_id: id, owner });
  }

  updateParams(ctx: Context, authority: string, params: DeviceParams): void {
    const expected = this.authority(ctx);
    if (expected === undefined || authority !== expected)
      throw deviceError("invalidAuthority", `expected ${expected ?? "(none)"}, got ${authority}`);
    this.setParams(ctx, params);
    ctx.events.emit(EVENT_PARAMS_UPDATED, { authority, sector_codes: String(params.sectorCodes.length) });
  }

  /** Writes a device record with its indexes and counters as given (genesis import). */
  importDevice(ctx: Context, device: Device): void {
    this.#save(ctx, device);
    ctx.store(STORE_NAME).set(ownerIndexKey(device.owner, device.id), INDEX_MARKER);
    if (device.shared) ctx.store(STORE_NAME).set(sharedIndexKey(device.id), INDEX_MARKER);
    this.#count(ctx, device.id, {
      total: 1n,
      active: device.status === "active" ? 1n : 0n,
      retired: device.status === "retired" ? 1n : 0n,
      shared: device.shared ? 1n : 0n,
    });
  }

  /** Every device in id order. */
  async *iterateDevices(ctx: Context): AsyncIterable<Device> {
    const start = Uint8Array.of(DEVICE_PREFIX);
    const end = prefixEnd(start)!;
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end })) yield decodeDevice(value);
  }
}
