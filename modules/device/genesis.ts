// app_state.device: sensorchain.device.v1.GenesisState in proto3 JSON with snake_case field names
// (as the SDK writes genesis): enums by name, bytes base64, uint64 as strings. Import checks every
// record and rebuilds the indexes and counters; export writes devices in id order.
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import { genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
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

/** Module whose account may update params by default: the poa module executes consortium votes. */
export const DEFAULT_AUTHORITY_MODULE = "poa";

export interface DeviceGenesis {
  params: DeviceParams;
  authority: string;
  devices: Device[];
}

export function defaultDeviceGenesis(): Json {
  return {
    params: { sector_codes: [...DEFAULT_SECTOR_CODES] },
    devices: [],
    authority: moduleAddress(DEFAULT_AUTHORITY_MODULE),
  };
}

const { fail, at, decode } = genesisChecks("device");

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
  const json = value as Json;
  const message = decode(value, pb.GenesisState);
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
      messageToGenesisJson(pb.Device, deviceToProto(device), { longs: String, enums: String, bytes: String }),
    );
  return {
    params: { sector_codes: keeper.params(ctx).sectorCodes },
    devices,
    authority: keeper.authority(ctx) ?? moduleAddress(DEFAULT_AUTHORITY_MODULE),
  };
}
