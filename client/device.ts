// Client side of the device module: type URLs, the protobuf message classes and their TypeScript
// shapes, EncodeObject types for SigningStargateClient, and the registry entries.
import type { GeneratedType } from "@cosmjs/proto-signing";
import {
  MSG_REGISTER_DEVICE,
  MSG_RETIRE_DEVICE,
  MSG_ROTATE_DEVICE_KEY,
  MSG_SHARE_DEVICE,
  MSG_TRANSFER_DEVICE_OWNERSHIP,
  MSG_UNSHARE_DEVICE,
  MSG_UPDATE_DEVICE_METADATA,
  MSG_UPDATE_PARAMS,
} from "../modules/device/type-urls.ts";
import { sensorchain } from "../proto/gen/device.js";
import { canonicalType } from "./canonical-type.ts";

export * from "../modules/device/type-urls.ts";

/** Generated classes: encode/decode/fromObject/toObject of every device message, query and enum. */
export const device = sensorchain.device.v1;
export const { KeyType, PricingUnit, DeviceStatus } = sensorchain.device.v1;

export type MsgRegisterDevice = sensorchain.device.v1.IMsgRegisterDevice;
export type MsgUpdateDeviceMetadata = sensorchain.device.v1.IMsgUpdateDeviceMetadata;
export type MsgShareDevice = sensorchain.device.v1.IMsgShareDevice;
export type MsgUnshareDevice = sensorchain.device.v1.IMsgUnshareDevice;
export type MsgRotateDeviceKey = sensorchain.device.v1.IMsgRotateDeviceKey;
export type MsgTransferDeviceOwnership = sensorchain.device.v1.IMsgTransferDeviceOwnership;
export type MsgRetireDevice = sensorchain.device.v1.IMsgRetireDevice;
export type MsgUpdateDeviceParams = sensorchain.device.v1.IMsgUpdateParams;
export type DeviceRecord = sensorchain.device.v1.IDevice;

export interface MsgRegisterDeviceEncodeObject {
  typeUrl: typeof MSG_REGISTER_DEVICE;
  value: MsgRegisterDevice;
}
export interface MsgUpdateDeviceMetadataEncodeObject {
  typeUrl: typeof MSG_UPDATE_DEVICE_METADATA;
  value: MsgUpdateDeviceMetadata;
}
export interface MsgShareDeviceEncodeObject {
  typeUrl: typeof MSG_SHARE_DEVICE;
  value: MsgShareDevice;
}
export interface MsgUnshareDeviceEncodeObject {
  typeUrl: typeof MSG_UNSHARE_DEVICE;
  value: MsgUnshareDevice;
}
export interface MsgRotateDeviceKeyEncodeObject {
  typeUrl: typeof MSG_ROTATE_DEVICE_KEY;
  value: MsgRotateDeviceKey;
}
export interface MsgTransferDeviceOwnershipEncodeObject {
  typeUrl: typeof MSG_TRANSFER_DEVICE_OWNERSHIP;
  value: MsgTransferDeviceOwnership;
}
export interface MsgRetireDeviceEncodeObject {
  typeUrl: typeof MSG_RETIRE_DEVICE;
  value: MsgRetireDevice;
}

/** [type URL, cosmjs GeneratedType] for every device message, as Registry's constructor takes them. */
export const deviceTypes: [string, GeneratedType][] = [
  [MSG_REGISTER_DEVICE, canonicalType(device.MsgRegisterDevice)],
  [MSG_UPDATE_DEVICE_METADATA, canonicalType(device.MsgUpdateDeviceMetadata)],
  [MSG_SHARE_DEVICE, canonicalType(device.MsgShareDevice)],
  [MSG_UNSHARE_DEVICE, canonicalType(device.MsgUnshareDevice)],
  [MSG_ROTATE_DEVICE_KEY, canonicalType(device.MsgRotateDeviceKey)],
  [MSG_TRANSFER_DEVICE_OWNERSHIP, canonicalType(device.MsgTransferDeviceOwnership)],
  [MSG_RETIRE_DEVICE, canonicalType(device.MsgRetireDevice)],
  [MSG_UPDATE_PARAMS, canonicalType(device.MsgUpdateParams)],
];
