// Type URLs and query paths of the device module: plain constants with no imports, shared by the
// module, the cosmjs client registry (client/) and the CLI.

export const MSG_REGISTER_DEVICE = "/sensorchain.device.v1.MsgRegisterDevice";
export const MSG_UPDATE_DEVICE_METADATA = "/sensorchain.device.v1.MsgUpdateDeviceMetadata";
export const MSG_SHARE_DEVICE = "/sensorchain.device.v1.MsgShareDevice";
export const MSG_UNSHARE_DEVICE = "/sensorchain.device.v1.MsgUnshareDevice";
export const MSG_ROTATE_DEVICE_KEY = "/sensorchain.device.v1.MsgRotateDeviceKey";
export const MSG_TRANSFER_DEVICE_OWNERSHIP = "/sensorchain.device.v1.MsgTransferDeviceOwnership";
export const MSG_RETIRE_DEVICE = "/sensorchain.device.v1.MsgRetireDevice";
export const MSG_UPDATE_PARAMS = "/sensorchain.device.v1.MsgUpdateParams";

/** Response type URL of a message type URL, as it appears in TxMsgData.msg_responses. */
export function responseTypeUrl(msgTypeUrl: string): string {
  return `${msgTypeUrl}Response`;
}

export const QUERY_DEVICE = "/sensorchain.device.v1.Query/Device";
export const QUERY_DEVICES_BY_OWNER = "/sensorchain.device.v1.Query/DevicesByOwner";
export const QUERY_SHARED_DEVICES = "/sensorchain.device.v1.Query/SharedDevices";
export const QUERY_DEVICE_COUNTS = "/sensorchain.device.v1.Query/DeviceCounts";
export const QUERY_PARAMS = "/sensorchain.device.v1.Query/Params";

/** Event types (attributes are plain strings; README.md lists them). */
export const EVENT_DEVICE_REGISTERED = "sensorchain.device.v1.EventDeviceRegistered";
export const EVENT_DEVICE_METADATA_UPDATED = "sensorchain.device.v1.EventDeviceMetadataUpdated";
export const EVENT_DEVICE_SHARED = "sensorchain.device.v1.EventDeviceShared";
export const EVENT_DEVICE_UNSHARED = "sensorchain.device.v1.EventDeviceUnshared";
export const EVENT_DEVICE_KEY_ROTATED = "sensorchain.device.v1.EventDeviceKeyRotated";
export const EVENT_DEVICE_OWNERSHIP_TRANSFERRED = "sensorchain.device.v1.EventDeviceOwnershipTransferred";
export const EVENT_DEVICE_RETIRED = "sensorchain.device.v1.EventDeviceRetired";
export const EVENT_PARAMS_UPDATED = "sensorchain.device.v1.EventParamsUpdated";
