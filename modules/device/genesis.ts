// app_state.device: sensorchain.device.v1.GenesisState in proto3 JSON with snake_case field names
// (as the SDK writes genesis): enums by name, bytes base64, uint64 as strings. Import checks every
// record and rebuilds the indexes and counters; export writes devices in id order.
import { AbciError, GenesisError } from "../../chain/app/errors.ts";
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import { type Device, type DeviceParams, deviceFromProto, deviceToProto, pb } from "./codec.ts";
import type { DeviceKeeper } from "./keeper.ts";
import { DEFAULT_SECTOR_CODES } from "./sectors.ts";
import {
  checkAddress,
  checkDeviceId,
  checkParams,
  metadataFromProto,
  publicKeyFromProto,
  shareTermsFromProto,
} from "./validation.ts";

type Json = Record<string, unknown>;

/** Module whose account may update params by default: the poa module executes consortium votes. */
export const DEFAULT_AUTHORITY_MODULE = "poa";

export interface DeviceGenesis {
  params: DeviceParams;
  authority: string;
  devices: Device[];
}

const snakeToCamel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelToSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameKeys(item, rename));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
}

export function defaultDeviceGenesis(): Json {
  return {
    params: { sector_codes: [...DEFAULT_SECTOR_CODES] },
    devices: [],
    authority: moduleAddress(DEFAULT_AUTHORITY_MODULE),
  };
}

function fail(message: string): never {
  throw new GenesisError(`device genesis: ${message}`);
}

/** Runs a check that throws the module's AbciError, reporting it as a genesis error at `field`. */
function at<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof AbciError || error instanceof TypeError || error instanceof Error)
      fail(`${field}: ${error instanceof AbciError ? error.log : error.message}`);
    throw error;
  }
}

function parseDevice(message: InstanceType<typeof pb.Device>, field: string): Device {
  const id = at(`${field}.id`, () => checkDeviceId(message.id));
  at(`${field}.owner`, () => checkAddress(message.owner, "owner"));
  at(`${field}.public_key`, () => publicKeyFromProto(message.publicKey));
  at(`${field}.metadata`, () => metadataFromProto(message.metadata));
  const device = at(field, () => deviceFromProto(message));
  if (message.shareTerms !== null && message.shareTerms !== undefined)
    at(`${field}.share_terms`, () => shareTermsFromProto(message.shareTerms));
  if (device.shared && device.shareTerms === undefined)
    fail(`${field}: shared device ${id} has no share_terms`);
  if (!device.shared && device.shareTerms !== undefined)
    fail(`${field}: device ${id} has share_terms but is not shared`);
  if (device.shared && device.status === "retired") fail(`${field}: retired device ${id} cannot be shared`);
  return device;
}

export function parseDeviceGenesis(value: unknown): DeviceGenesis {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    fail("app_state.device must be an object");
  const json = value as Json;
  const message = at("app_state.device", () =>
    pb.GenesisState.fromObject(renameKeys(json, snakeToCamel) as Json),
  );
  const params =
    json.params === undefined
      ? { sectorCodes: [...DEFAULT_SECTOR_CODES] }
      : at("params", () => checkParams(message.params));
  const authority =
    json.authority === undefined || json.authority === ""
      ? moduleAddress(DEFAULT_AUTHORITY_MODULE)
      : at("authority", () => checkAddress(message.authority, "authority"));
  const seen = new Set<string>();
  const devices = message.devices.map((item, index) => {
    // Sectors are checked against params only at registration: a code the consortium removed later
    // stays valid for the devices already carrying it, so exported state always imports.
    const device = parseDevice(item as InstanceType<typeof pb.Device>, `devices[${index}]`);
    if (seen.has(device.id)) fail(`duplicate device ${device.id}`);
    seen.add(device.id);
    return device;
  });
  return { params, authority, devices };
}

export function initDeviceGenesis(ctx: Context, keeper: DeviceKeeper, genesis: DeviceGenesis): void {
  keeper.setParams(ctx, genesis.params);
  keeper.setAuthority(ctx, genesis.authority);
  for (const device of genesis.devices) keeper.importDevice(ctx, device);
}

export async function exportDeviceGenesis(ctx: Context, keeper: DeviceKeeper): Promise<Json> {
  const devices: unknown[] = [];
  for await (const device of keeper.iterateDevices(ctx))
    devices.push(
      pb.Device.toObject(pb.Device.fromObject(deviceToProto(device)), {
        longs: String,
        enums: String,
        bytes: String,
      }),
    );
  return {
    params: { sector_codes: keeper.params(ctx).sectorCodes },
    devices: renameKeys(devices, camelToSnake),
    authority: keeper.authority(ctx) ?? moduleAddress(DEFAULT_AUTHORITY_MODULE),
  };
}
