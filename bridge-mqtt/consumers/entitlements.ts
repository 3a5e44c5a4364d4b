// Who may read (and command) a device through this bridge (bridge-mqtt/README.md, Consumers): its
// owner (device module), the consumer or release authority of an OPEN, unexpired escrow for it
// (escrow module), or the buyer of a market access grant covering now (market module). Answers come
// from the app's query path and are cached per device (owner, open escrows) and per (device,
// account) (market grant); a committed device/escrow/market event drops what it may change, and
// nothing is trusted longer than ENTITLEMENT_CACHE_TTL_MS or past the expiry of what it rests on.

import { pb as devicePb } from "../../modules/device/codec.ts";
import { DeviceCode } from "../../modules/device/errors.ts";
import { QUERY_DEVICE } from "../../modules/device/type-urls.ts";
import { escrowFromProto, pb as escrowPb } from "../../modules/escrow/codec.ts";
import { QUERY_ESCROWS_BY_DEVICE } from "../../modules/escrow/type-urls.ts";
import { pb as marketPb } from "../../modules/market/codec.ts";
import { QUERY_MARKET_HAS_ACCESS } from "../../modules/market/type-urls.ts";
import { toLong } from "../../proto/canonical.ts";
import type { QueryFunction } from "../registry.ts";

/** The modules' query paths, under the names test fakes of the queries use. */
export {
  QUERY_DEVICE as DEVICE_QUERY_PATH,
  QUERY_ESCROWS_BY_DEVICE as ESCROWS_BY_DEVICE_PATH,
  QUERY_MARKET_HAS_ACCESS as HAS_ACCESS_PATH,
};
/** How long a cached answer is trusted without an event, ms: a missed event (or a bridge reading a
 * remote node) lets a consumer keep a lost entitlement, or wait for a new one, at most this long. */
export const ENTITLEMENT_CACHE_TTL_MS = 10_000;
/** Devices whose owner and open escrows are cached (10x the 10,000-device target of one node). */
export const MAX_CACHED_DEVICE_VIEWS = 100_000;
/** (device, account) market answers cached: a few consumers per device at the device target. */
export const MAX_CACHED_GRANTS = 100_000;
/** Escrows read per EscrowsByDevice page (the module's maximum page) and pages read per device:
 * records are kept forever, so a device's list only grows; past 10,000 the rest are not seen. */
const ESCROW_PAGE_LIMIT = 1_000;
const MAX_ESCROW_PAGES = 10;

export type EntitlementReason = "owner" | "escrow" | "market";
export type RefusalReason = "unknown_device" | "not_entitled";

export interface Entitlement {
  entitled: boolean;
  /** Why the account may (owner, escrow, market) or may not (unknown_device, not_entitled). */
  reason: EntitlementReason | RefusalReason;
  /** Unix ms after which this answer must be asked again at the latest (expiry of the escrow or
   * grant it rests on, or the cache TTL). */
  recheckAtMs: number;
}

/** The query the bridge's ACL, streams, history and consumer commands ask. */
export interface EntitlementChecker {
  /** `maxAgeMs`: cached answers older than this are asked again (default ENTITLEMENT_CACHE_TTL_MS;
   * a stream renewing an answer before it runs out passes less, so the new one is fresh). */
  isEntitled(account: string, deviceId: string, nowMs: number, maxAgeMs?: number): Promise<Entitlement>;
}

/** Minimal committed-event shape (chain/app/abci.ts Event). */
export interface ChainEvent {
  type: string;
  attributes: readonly { key: string; value: string }[];
}

export class EntitlementUnavailable extends Error {
  readonly code = "entitlement_unavailable";
  constructor(message: string) {
    super(message);
    this.name = "EntitlementUnavailable";
  }
}

interface OpenEscrow {
  id: string;
  consumer: string;
  releaseAuthority: string;
  /** expiry_time in ms: expired from this instant on (escrow README, block time >= expiry_time). */
  expiryMs: number;
}

interface DeviceView {
  owner: string | undefined; // undefined: not registered
  escrows: OpenEscrow[];
  loadedMs: number;
}

interface GrantView {
  /** End of the covering grant in ms, or 0 when there is none. */
  endMs: number;
  loadedMs: number;
}

export type ChangeListener = (deviceIds: ReadonlySet<string>) => void;

export class Entitlements implements EntitlementChecker {
  readonly #query: QueryFunction;
  readonly #devices = new Map<string, DeviceView>();
  readonly #grants = new Map<string, GrantView>();
  readonly #listeners = new Set<ChangeListener>();

  constructor(options: { query: QueryFunction }) {
    this.#query = options.query;
  }

  async isEntitled(
    account: string,
    deviceId: string,
    nowMs: number,
    maxAgeMs = ENTITLEMENT_CACHE_TTL_MS,
  ): Promise<Entitlement> {
    const view = await this.#deviceView(deviceId, nowMs, maxAgeMs);
    const ttlEnd = view.loadedMs + ENTITLEMENT_CACHE_TTL_MS;
    if (view.owner === undefined) return { entitled: false, reason: "unknown_device", recheckAtMs: ttlEnd };
    if (view.owner === account) return { entitled: true, reason: "owner", recheckAtMs: ttlEnd };
    let escrowEnd = 0;
    for (const escrow of view.escrows)
      if ((escrow.consumer === account || escrow.releaseAuthority === account) && escrow.expiryMs > nowMs)
        escrowEnd = Math.max(escrowEnd, escrow.expiryMs);
    if (escrowEnd > 0) return { entitled: true, reason: "escrow", recheckAtMs: Math.min(ttlEnd, escrowEnd) };
    const grant = await this.#grantView(deviceId, account, nowMs, maxAgeMs);
    const grantTtlEnd = grant.loadedMs + ENTITLEMENT_CACHE_TTL_MS;
    if (grant.endMs > nowMs)
      return { entitled: true, reason: "market", recheckAtMs: Math.min(grantTtlEnd, grant.endMs) };
    return { entitled: false, reason: "not_entitled", recheckAtMs: Math.min(ttlEnd, grantTtlEnd) };
  }

  /** Called with the devices whose entitlements a committed event may have changed. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drops what committed device, escrow and market events may change; tells the listeners. */
  onEvents(events: readonly ChainEvent[]): void {
    const changed = new Set<string>();
    for (const event of events) {
      const module = /^sensorchain\.(device|escrow|market)\.v1\./.exec(event.type)?.[1];
      if (module === undefined) continue;
      const value = (key: string) => event.attributes.find((a) => a.key === key)?.value;
      const deviceId = value("device_id");
      if (module === "market") {
        // Only a purchase gives access; grants outlive listings, disputes and delisting.
        const buyer = value("buyer");
        if (deviceId !== undefined && buyer !== undefined) {
          this.#grants.delete(grantKey(deviceId, buyer));
          changed.add(deviceId);
        }
        continue;
      }
      if (deviceId !== undefined) {
        this.#devices.delete(deviceId);
        changed.add(deviceId);
        continue;
      }
      const escrowId = module === "escrow" ? value("escrow_id") : undefined;
      if (escrowId === undefined) continue;
      // Closed, refunded, topped up: events name the escrow only; find the device that lists it.
      for (const [id, view] of this.#devices)
        if (view.escrows.some((escrow) => escrow.id === escrowId)) {
          this.#devices.delete(id);
          changed.add(id);
        }
    }
    if (changed.size === 0) return;
    for (const listener of this.#listeners) listener(changed);
  }

  async #deviceView(deviceId: string, nowMs: number, maxAgeMs: number): Promise<DeviceView> {
    const cached = this.#devices.get(deviceId);
    if (cached !== undefined && nowMs - cached.loadedMs < Math.min(maxAgeMs, ENTITLEMENT_CACHE_TTL_MS))
      return cached;
    const response = await this.#query(
      QUERY_DEVICE,
      devicePb.QueryDeviceRequest.encode({ deviceId }).finish(),
    );
    let view: DeviceView;
    if (response.code === DeviceCode.deviceNotFound.code)
      view = { owner: undefined, escrows: [], loadedMs: nowMs };
    else if (response.code !== 0)
      throw new EntitlementUnavailable(`device query failed with code ${response.code}`);
    else {
      const device = devicePb.QueryDeviceResponse.decode(response.value).device;
      if (device === null || device === undefined)
        throw new EntitlementUnavailable("device query gave no device");
      view = { owner: device.owner ?? "", escrows: await this.#openEscrows(deviceId), loadedMs: nowMs };
    }
    this.#devices.delete(deviceId);
    if (this.#devices.size >= MAX_CACHED_DEVICE_VIEWS)
      this.#devices.delete(this.#devices.keys().next().value!);
    this.#devices.set(deviceId, view);
    return view;
  }

  async #openEscrows(deviceId: string): Promise<OpenEscrow[]> {
    const open: OpenEscrow[] = [];
    let key: Uint8Array = new Uint8Array(0);
    for (let page = 0; page < MAX_ESCROW_PAGES; page++) {
      const response = await this.#query(
        QUERY_ESCROWS_BY_DEVICE,
        escrowPb.QueryEscrowsByDeviceRequest.encode({
          deviceId,
          pagination: { key, limit: toLong(BigInt(ESCROW_PAGE_LIMIT)) },
        }).finish(),
      );
      if (response.code !== 0)
        throw new EntitlementUnavailable(`escrow query failed with code ${response.code}`);
      const decoded = escrowPb.QueryEscrowsByDeviceResponse.decode(response.value);
      for (const message of decoded.escrows) {
        const escrow = escrowFromProto(message);
        if (escrow.status !== "open") continue;
        open.push({
          id: escrow.id.toString(),
          consumer: escrow.consumer,
          releaseAuthority: escrow.releaseAuthority,
          expiryMs: Number(escrow.expiryTime) * 1000,
        });
      }
      const next = decoded.pagination?.nextKey;
      if (next === null || next === undefined || next.length === 0) break;
      key = next;
    }
    return open;
  }

  async #grantView(deviceId: string, account: string, nowMs: number, maxAgeMs: number): Promise<GrantView> {
    const id = grantKey(deviceId, account);
    const cached = this.#grants.get(id);
    if (cached !== undefined && nowMs - cached.loadedMs < Math.min(maxAgeMs, ENTITLEMENT_CACHE_TTL_MS))
      return cached;
    const response = await this.#query(
      QUERY_MARKET_HAS_ACCESS,
      marketPb.QueryHasAccessRequest.encode({
        deviceId,
        account,
        at: toLong(BigInt(Math.floor(nowMs / 1000))),
      }).finish(),
    );
    if (response.code !== 0)
      throw new EntitlementUnavailable(`market query failed with code ${response.code}`);
    const decoded = marketPb.QueryHasAccessResponse.decode(response.value);
    const endSeconds = decoded.hasAccess ? Number(decoded.grant?.endTime?.toString() ?? "0") : 0;
    const view = { endMs: endSeconds * 1000, loadedMs: nowMs };
    this.#grants.delete(id);
    if (this.#grants.size >= MAX_CACHED_GRANTS) this.#grants.delete(this.#grants.keys().next().value!);
    this.#grants.set(id, view);
    return view;
  }
}

const grantKey = (deviceId: string, account: string) => `${deviceId}|${account}`;
