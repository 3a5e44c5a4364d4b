// The device module's records as plain TypeScript values (bigint heights and amounts, string
// enums), and their canonical protobuf bytes (proto/sensorchain/device/v1/state.proto).
import type { Coin } from "../../chain/app/coins.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { sensorchain } from "../../proto/gen/device.js";
import { nameOf, toBigInt } from "../proto-values.ts";

export const pb = sensorchain.device.v1;

export type KeyTypeName = "ed25519" | "secp256k1" | "p256";
export type PricingUnitName = "per_day" | "per_reading";
export type DeviceStatusName = "active" | "retired";

export interface DevicePublicKey {
  type: KeyTypeName;
  key: Uint8Array;
}

export interface DeviceMetadata {
  model: string;
  unit: string;
  locationHint: string;
}

export interface ShareTerms {
  unit: PricingUnitName;
  /** Price per unit; amount may be 0 (free data). */
  price: Coin;
}

export interface Device {
  id: string;
  owner: string;
  publicKey: DevicePublicKey;
  metadata: DeviceMetadata;
  shared: boolean;
  /** Present exactly while shared. */
  shareTerms: ShareTerms | undefined;
  status: DeviceStatusName;
  registrationHeight: bigint;
  /** 0n when the key was never rotated. */
  keyRotationHeight: bigint;
}

export interface DeviceCounts {
  total: bigint;
  active: bigint;
  retired: bigint;
  shared: bigint;
}

export interface DeviceParams {
  sectorCodes: string[];
}

export const KEY_TYPES: Readonly<Record<KeyTypeName, number>> = {
  ed25519: pb.KeyType.KEY_TYPE_ED25519,
  secp256k1: pb.KeyType.KEY_TYPE_SECP256K1,
  p256: pb.KeyType.KEY_TYPE_P256,
};
export const PRICING_UNITS: Readonly<Record<PricingUnitName, number>> = {
  per_day: pb.PricingUnit.PRICING_UNIT_PER_DAY,
  per_reading: pb.PricingUnit.PRICING_UNIT_PER_READING,
};
const STATUSES: Readonly<Record<DeviceStatusName, number>> = {
  active: pb.DeviceStatus.DEVICE_STATUS_ACTIVE,
  retired: pb.DeviceStatus.DEVICE_STATUS_RETIRED,
};

export const keyTypeName = (value: number | null | undefined): KeyTypeName | undefined =>
  nameOf(KEY_TYPES, value);
export const pricingUnitName = (value: number | null | undefined): PricingUnitName | undefined =>
  nameOf(PRICING_UNITS, value);

export function devicePublicKeyToProto(key: DevicePublicKey): sensorchain.device.v1.IDevicePublicKey {
  return { type: KEY_TYPES[key.type], key: key.key };
}

export function metadataToProto(metadata: DeviceMetadata): sensorchain.device.v1.IDeviceMetadata {
  return { model: metadata.model, unit: metadata.unit, locationHint: metadata.locationHint };
}

export function metadataFromProto(
  metadata: sensorchain.device.v1.IDeviceMetadata | null | undefined,
): DeviceMetadata {
  return {
    model: metadata?.model ?? "",
    unit: metadata?.unit ?? "",
    locationHint: metadata?.locationHint ?? "",
  };
}

export function shareTermsToProto(terms: ShareTerms): sensorchain.device.v1.IShareTerms {
  return {
    unit: PRICING_UNITS[terms.unit],
    price: { denom: terms.price.denom, amount: terms.price.amount.toString() },
  };
}

export function deviceToProto(device: Device): sensorchain.device.v1.IDevice {
  return {
    id: device.id,
    owner: device.owner,
    publicKey: devicePublicKeyToProto(device.publicKey),
    metadata: metadataToProto(device.metadata),
    shared: device.shared,
    ...(device.shareTerms === undefined ? {} : { shareTerms: shareTermsToProto(device.shareTerms) }),
    status: STATUSES[device.status],
    registrationHeight: toLong(device.registrationHeight),
    keyRotationHeight: toLong(device.keyRotationHeight),
  };
}

/** A stored or genesis device message as a Device; throws on an unknown enum (a broken state). */
export function deviceFromProto(message: sensorchain.device.v1.IDevice): Device {
  const type = keyTypeName(message.publicKey?.type);
  const status = nameOf(STATUSES, message.status);
  if (type === undefined || status === undefined)
    throw new Error(`device ${message.id}: unknown key type or status in state`);
  let shareTerms: ShareTerms | undefined;
  if (message.shareTerms !== null && message.shareTerms !== undefined) {
    const unit = pricingUnitName(message.shareTerms.unit);
    if (unit === undefined) throw new Error(`device ${message.id}: unknown pricing unit in state`);
    shareTerms = {
      unit,
      price: {
        denom: message.shareTerms.price?.denom ?? "",
        amount: BigInt(message.shareTerms.price?.amount || "0"),
      },
    };
  }
  return {
    id: message.id ?? "",
    owner: message.owner ?? "",
    publicKey: { type, key: message.publicKey?.key ?? new Uint8Array(0) },
    metadata: metadataFromProto(message.metadata),
    shared: message.shared ?? false,
    shareTerms,
    status,
    registrationHeight: toBigInt(message.registrationHeight),
    keyRotationHeight: toBigInt(message.keyRotationHeight),
  };
}

export function encodeDevice(device: Device): Uint8Array {
  return encodeCanonical(pb.Device, deviceToProto(device));
}

export function decodeDevice(bytes: Uint8Array): Device {
  return deviceFromProto(pb.Device.decode(bytes));
}

export function countsToProto(counts: DeviceCounts): sensorchain.device.v1.IDeviceCounts {
  return {
    total: toLong(counts.total),
    active: toLong(counts.active),
    retired: toLong(counts.retired),
    shared: toLong(counts.shared),
  };
}

export function encodeCounts(counts: DeviceCounts): Uint8Array {
  return encodeCanonical(pb.DeviceCounts, countsToProto(counts));
}

export function decodeCounts(bytes: Uint8Array | undefined): DeviceCounts {
  if (bytes === undefined) return { total: 0n, active: 0n, retired: 0n, shared: 0n };
  const message = pb.DeviceCounts.decode(bytes);
  return {
    total: toBigInt(message.total),
    active: toBigInt(message.active),
    retired: toBigInt(message.retired),
    shared: toBigInt(message.shared),
  };
}

export function encodeParams(params: DeviceParams): Uint8Array {
  return encodeCanonical(pb.Params, { sectorCodes: params.sectorCodes });
}

export function decodeParams(bytes: Uint8Array): DeviceParams {
  return { sectorCodes: [...pb.Params.decode(bytes).sectorCodes] };
}
